package mirror

import (
	"errors"
	"math/big"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

// The fuzz targets compare the parsers of rule address blocks and port ranges
// with references written differently from them, from the wording of
// ../shared/spec/filter-rules.md §2. Their seed corpora run in every go test;
// crashers found by -fuzz are kept in testdata/fuzz.

// checkFuzzErr fails unless err is the *Error of an invalid field value.
func checkFuzzErr(t *testing.T, call string, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInvalid || e.Code != CodeInvalidParameter || e.Err != nil {
		t.Fatalf("%s = %#v, want a KindInvalid %s *Error", call, err, CodeInvalidParameter)
	}
}

// refIPv4 reports whether s is a dotted quad of decimal octets 0-255 without
// leading zeros.
func refIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 3 || len(p) > 1 && p[0] == '0' {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// refAddrFamily returns the family of a bare address as its text shows it: an
// address written with colons is IPv6, also when it embeds an IPv4 address.
// Zones name an interface of one host and are no address block.
func refAddrFamily(s string) (string, bool) {
	if !strings.Contains(s, ":") {
		return EthertypeIPv4, refIPv4(s)
	}
	if strings.Contains(s, "%") {
		return "", false
	}
	_, err := netip.ParseAddr(s)
	return EthertypeIPv6, err == nil
}

var prefixLenRE = regexp.MustCompile(`^(0|[1-9][0-9]{0,2})$`)

// refCIDR is the reference of cidrFamily: "", a bare address, or addr/len
// with a decimal len without leading zeros up to the family's bit count.
func refCIDR(s string) (family string, ok bool) {
	if s == "" {
		return "", true
	}
	addr, bits, isPrefix := strings.Cut(s, "/")
	family, ok = refAddrFamily(addr)
	if !ok {
		return "", false
	}
	if isPrefix {
		if !prefixLenRE.MatchString(bits) {
			return "", false
		}
		n, _ := new(big.Int).SetString(bits, 10)
		max := int64(32)
		if family == EthertypeIPv6 {
			max = 128
		}
		if n.Cmp(big.NewInt(max)) > 0 {
			return "", false
		}
	}
	return family, true
}

func FuzzCIDR(f *testing.F) {
	for _, s := range []string{
		"", "10.0.0.0/8", "10.0.0.1/8", "192.168.0.1", "0.0.0.0/0", "::/0", "2002:50::44/128", "fe80::1", "10.0.0.0/32",
		"10.0.0.0/33", "10.0.0/8", "::/129", "fe80::1%eth0", "fe80::1%eth0/64", "abc", "10.0.0.0/", "/8", "10.0.0.0 /8",
		"10.0.0.0/08", "010.0.0.1", "::ffff:10.0.0.1", "::ffff:10.0.0.1/104", "1.2.3.4/8/8", "1.2.3.4/+8", "::1/-0",
		"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "::1.2.3.4", "256.0.0.0", "1.2.3.4%x", " 1.2.3.4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wantFamily, wantOK := refCIDR(s)
		family, ok := cidrFamily(s)
		if ok != wantOK || family != wantFamily {
			t.Fatalf("cidrFamily(%q) = %q, %v, want %q, %v", s, family, ok, wantFamily, wantOK)
		}
		err := CheckCIDR("r.cidr", s)
		if (err == nil) != ok {
			t.Fatalf("CheckCIDR(%q) = %v, but cidrFamily says %v", s, err, ok)
		}
		if err != nil {
			checkFuzzErr(t, "CheckCIDR", err)
		}
	})
}

var portRangeRE = regexp.MustCompile(`^([0-9]+)(?:-([0-9]+))?$`)

// refPortRange is the reference of CheckPortRange: "", "N" or "N-M" in
// decimal digits, 1 <= N <= M <= 65535.
func refPortRange(s string) bool {
	if s == "" {
		return true
	}
	m := portRangeRE.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	lo, _ := new(big.Int).SetString(m[1], 10)
	hi := lo
	if m[2] != "" {
		hi, _ = new(big.Int).SetString(m[2], 10)
	}
	return lo.Sign() > 0 && lo.Cmp(hi) <= 0 && hi.Cmp(big.NewInt(65535)) <= 0
}

func FuzzPortRange(f *testing.F) {
	for _, s := range []string{
		"", "1", "80", "65535", "80-443", "22-22", "1-65535", "0", "65536", "443-80", "80 - 443", "-80", "80-", "a",
		"+80", "1-2-3", "999999", "080", "00080-0443", "0-0", "-", "65535-65536", "٣", "1_0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckPortRange("r.ports", s)
		if want := refPortRange(s); (err == nil) != want {
			t.Fatalf("CheckPortRange(%q) = %v, want valid %v", s, err, want)
		}
		if err != nil {
			checkFuzzErr(t, "CheckPortRange", err)
		}
	})
}

// TestCheckPortRangeLeadingZeros is the regression test of the first crasher
// of FuzzPortRange: "000001" was refused for its length while "001" passed.
func TestCheckPortRangeLeadingZeros(t *testing.T) {
	for _, v := range []string{"000001", "0000080-00000443", "00000000000000065535"} {
		if err := CheckPortRange("r.ports", v); err != nil {
			t.Errorf("CheckPortRange(%q) = %v, want nil", v, err)
		}
	}
	for _, v := range []string{"000000", "0000065536", "1-000000000000000000065536"} {
		if err := CheckPortRange("r.ports", v); err == nil {
			t.Errorf("CheckPortRange(%q) = nil, want an error", v)
		}
	}
}
