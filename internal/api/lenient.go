package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// The lenient field types String, Int, Bool and Strings hold the JSON text of
// one request field exactly as sent. Decoding them never fails: real clients
// disagree about JSON types (../shared/spec/sessions.md §1.3), and errors.md §4
// wants each field's problem reported only when that field's turn comes, in
// the order of the operation's request-body table. The conversion functions of
// requests.go read them in that order. JSON null is kept as "absent".
//
// The types also marshal, so that a client builds request bodies from the
// same definitions (StringOf, IntOf, BoolOf, StringsOf); a zero value is
// omitted by the `omitzero` option.

// String is a request field declared as a JSON string.
type String struct{ raw json.RawMessage }

// Int is a request field declared as an integer. It accepts a JSON number with
// an integral value (96, 96.0) or a JSON string holding an optionally signed
// base-10 integer, surrounded by spaces or not ("96", " -3 ").
type Int struct{ raw json.RawMessage }

// Bool is a request field declared as a boolean. It accepts true and false,
// and the strings "true" and "false" in any letter case, surrounded by spaces
// or not.
type Bool struct{ raw json.RawMessage }

// Strings is a request field declared as an array of strings.
type Strings struct{ raw json.RawMessage }

// StringOf returns a String holding v.
func StringOf(v string) String { return String{marshal(v)} }

// IntOf returns an Int holding v as a JSON number.
func IntOf(v int) Int { return Int{strconv.AppendInt(nil, int64(v), 10)} }

// BoolOf returns a Bool holding v as a JSON boolean.
func BoolOf(v bool) Bool { return Bool{strconv.AppendBool(nil, v)} }

// StringsOf returns a Strings holding v; nil is sent as [].
func StringsOf(v []string) Strings {
	if v == nil {
		v = []string{}
	}
	return Strings{marshal(v)}
}

func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Strings and slices of strings always marshal.
		panic(err)
	}
	return b
}

// keep returns the field text to hold: nil for JSON null (not provided).
func keep(b []byte) json.RawMessage {
	if string(b) == "null" {
		return nil
	}
	return slices.Clone(b)
}

func rawJSON(raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return []byte("null"), nil
	}
	return raw, nil
}

// IsZero reports whether the field is absent.
func (v String) IsZero() bool { return v.raw == nil }

// IsZero reports whether the field is absent.
func (v Int) IsZero() bool { return v.raw == nil }

// IsZero reports whether the field is absent.
func (v Bool) IsZero() bool { return v.raw == nil }

// IsZero reports whether the field is absent.
func (v Strings) IsZero() bool { return v.raw == nil }

// MarshalJSON returns the field's JSON text, or null when absent.
func (v String) MarshalJSON() ([]byte, error) { return rawJSON(v.raw) }

// MarshalJSON returns the field's JSON text, or null when absent.
func (v Int) MarshalJSON() ([]byte, error) { return rawJSON(v.raw) }

// MarshalJSON returns the field's JSON text, or null when absent.
func (v Bool) MarshalJSON() ([]byte, error) { return rawJSON(v.raw) }

// MarshalJSON returns the field's JSON text, or null when absent.
func (v Strings) MarshalJSON() ([]byte, error) { return rawJSON(v.raw) }

// UnmarshalJSON keeps b; it never fails.
func (v *String) UnmarshalJSON(b []byte) error { v.raw = keep(b); return nil }

// UnmarshalJSON keeps b; it never fails.
func (v *Int) UnmarshalJSON(b []byte) error { v.raw = keep(b); return nil }

// UnmarshalJSON keeps b; it never fails.
func (v *Bool) UnmarshalJSON(b []byte) error { v.raw = keep(b); return nil }

// UnmarshalJSON keeps b; it never fails.
func (v *Strings) UnmarshalJSON(b []byte) error { v.raw = keep(b); return nil }

// value returns the string; ok is false when the field is absent. A value of
// another JSON type is a VPC.9103 error.
func (v String) value(path string) (s string, ok bool, err error) {
	if v.raw == nil {
		return "", false, nil
	}
	if !unquote(v.raw, &s) {
		return "", true, mirror.InvalidParameter(path, "must be a string")
	}
	return s, true, nil
}

// value returns the integer; ok is false when the field is absent. Integers
// beyond the range of int are returned as math.MinInt or math.MaxInt so that
// every range check rejects them. A value that is not an integer is a
// VPC.9103 error.
func (v Int) value(path string) (n int, ok bool, err error) {
	if v.raw == nil {
		return 0, false, nil
	}
	var s string
	integral := false
	switch c := v.raw[0]; {
	case c == '"' && unquote(v.raw, &s):
		n, integral = parseDecimal(strings.TrimSpace(s))
	case c == '-' || '0' <= c && c <= '9':
		n, integral = numberValue(string(v.raw))
	}
	if !integral {
		return 0, true, mirror.InvalidParameter(path, "must be an integer")
	}
	return n, true, nil
}

// value returns the boolean; ok is false when the field is absent. Anything
// but a boolean or the strings "true" and "false" is a VPC.9103 error.
func (v Bool) value(path string) (b bool, ok bool, err error) {
	if v.raw == nil {
		return false, false, nil
	}
	s := string(v.raw)
	if v.raw[0] == '"' && unquote(v.raw, &s) {
		s = strings.ToLower(strings.TrimSpace(s))
	}
	switch s {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, mirror.InvalidParameter(path, "must be a boolean")
}

// value returns the strings, never nil when ok; ok is false when the field is
// absent. Anything but an array of strings is a VPC.9103 error naming the
// first offending item, if any.
func (v Strings) value(path string) (list []string, ok bool, err error) {
	if v.raw == nil {
		return nil, false, nil
	}
	var items []json.RawMessage
	if v.raw[0] != '[' || json.Unmarshal(v.raw, &items) != nil {
		return nil, true, mirror.InvalidParameter(path, "must be an array of strings")
	}
	list = make([]string, len(items))
	for i, item := range items {
		if !unquote(item, &list[i]) {
			return nil, true, mirror.InvalidParameter(path+"["+strconv.Itoa(i)+"]", "must be a string")
		}
	}
	return list, true, nil
}

// unquote decodes raw into s when raw is a JSON string.
func unquote(raw json.RawMessage, s *string) bool {
	return len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, s) == nil
}

// parseDecimal parses an optionally signed base-10 integer, clamping values
// beyond int (see Int.value).
func parseDecimal(s string) (int, bool) {
	// Check the syntax first: Atoi reports ErrRange as soon as the digits
	// overflow, before it reads the rest, so "99999999999999999999e-19"
	// would pass for a clamped integer.
	digits := s
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return n, true // on ErrRange, Atoi returns the clamped value
}

// numberValue returns the value of a valid JSON number literal and whether it
// is an integer. It works on the decimal digits rather than on a float64, so
// that 16777215.0000000001 is not mistaken for an integer and a huge exponent
// costs nothing.
func numberValue(lit string) (int, bool) {
	if n, ok := parseDecimal(lit); ok {
		return n, true
	}
	neg := strings.HasPrefix(lit, "-")
	mant, exp := strings.TrimPrefix(lit, "-"), 0
	if i := strings.IndexAny(mant, "eE"); i >= 0 {
		e, ok := parseDecimal(mant[i+1:])
		if !ok {
			return 0, false // not a JSON exponent (cannot happen after json.Valid)
		}
		// Clamp so that the position arithmetic below cannot overflow; an
		// exponent this large makes the value 0, non-integral or out of
		// every range anyway.
		exp = min(max(e, -1<<30), 1<<30)
		mant = mant[:i]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	point := len(intPart) + exp // the decimal point comes after digits[:point]
	trimmed := strings.TrimLeft(digits, "0")
	point -= len(digits) - len(trimmed)
	digits = strings.TrimRight(trimmed, "0")
	switch {
	case digits == "":
		return 0, true
	case point < len(digits):
		return 0, false // a non-zero digit after the decimal point
	case point > 20:
		return clamp(neg), true
	}
	n, err := strconv.Atoi(digits + strings.Repeat("0", point-len(digits)))
	if err != nil {
		return clamp(neg), true
	}
	if neg {
		n = -n
	}
	return n, true
}

func clamp(neg bool) int {
	if neg {
		return math.MinInt
	}
	return math.MaxInt
}

// decodeBody decodes a request body {"<root>": {...}} into fields, a pointer
// to a struct of lenient fields. Keys are matched exactly: encoding/json would
// match struct fields case-insensitively, while the API's JSON keys are
// case-sensitive and unknown keys are ignored. Errors: VPC.9101 for a body
// that is empty, not JSON or not an object; VPC.9102 for an absent or null
// root key; VPC.9103 for a root key that is not an object.
func decodeBody(body []byte, root string, fields any) error {
	if len(bytes.Trim(body, " \t\r\n")) == 0 {
		return mirror.InvalidBody("the body is empty")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return mirror.InvalidBody("the body must be a JSON object")
		}
		return mirror.InvalidBody("the body is not valid JSON: " + err.Error())
	}
	if top == nil { // the body is null
		return mirror.InvalidBody("the body must be a JSON object")
	}
	obj, ok := top[root]
	if !ok || string(obj) == "null" {
		return mirror.MissingParameter(root)
	}
	var values map[string]json.RawMessage
	if obj[0] != '{' || json.Unmarshal(obj, &values) != nil {
		return mirror.InvalidParameter(root, "must be a JSON object")
	}
	v := reflect.ValueOf(fields).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if raw, ok := values[name]; ok {
			// The lenient types never fail to unmarshal.
			_ = v.Field(i).Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
		}
	}
	return nil
}
