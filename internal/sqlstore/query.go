package sqlstore

import (
	"strings"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// where collects the conditions of a WHERE clause and their arguments.
type where struct {
	conds []string
	args  []any
}

// add adds a condition with its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "column IN (values)" unless values is empty: a multi-valued filter
// whose values are OR-ed.
func in[T any](w *where, column string, values []T) {
	if len(values) == 0 {
		return
	}
	w.conds = append(w.conds, column+" IN ("+placeholders(len(values))+")")
	for _, v := range values {
		w.args = append(w.args, v)
	}
}

// String returns the conditions AND-ed.
func (w *where) String() string {
	return strings.Join(w.conds, " AND ")
}

// placeholders returns n comma-separated placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// valuesList returns the rows of a VALUES list (a multi-row INSERT, a
// table of keys): n rows of cols placeholders.
func valuesList(cols, n int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// lower returns the values in lower case, for comparisons with lower-case
// key columns.
func lower(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = strings.ToLower(v)
	}
	return out
}

// page returns the first limit items and whether more came back: the
// queries ask for limit+1 rows.
func page[T any](items []T, limit int) mirror.Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) > limit {
		return mirror.Page[T]{Items: items[:limit], More: true}
	}
	return mirror.Page[T]{Items: items}
}
