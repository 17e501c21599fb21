package main

// Output of the client commands: -o json prints the API's JSON, -o table
// aligned columns for lists and a field: value view for one resource. Lists
// are printed page by page as they arrive, so that --all on a very large
// project streams instead of buffering.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// output writes a command's result in one format.
type output struct {
	w      *bufio.Writer
	format string
	// hints, when not nil, receives notes for a person reading a table,
	// such as how to get the next page; they never go into the output.
	hints io.Writer
}

// newOutput returns an output to w. Writes are buffered (a table of 100,000
// rows would otherwise cost a system call per cell) and flushed after each
// page and at the end.
func newOutput(w io.Writer, format string) *output {
	return &output{w: bufio.NewWriterSize(w, 64<<10), format: format}
}

// flush writes what is buffered.
func (o *output) flush() error { return o.w.Flush() }

// json prints v, a response body, as indented JSON.
func (o *output) json(v any) error {
	b, err := marshalIndent(v, "")
	if err != nil {
		return err
	}
	o.w.Write(b)
	o.w.WriteByte('\n')
	return o.flush()
}

// marshalIndent encodes v indented by two spaces, every line after the
// first starting with prefix. Unlike json.MarshalIndent it leaves '&', '<'
// and '>' as they are, as the server sends them.
func marshalIndent(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// field is one line of a field: value view.
type field struct {
	name, value string
}

// fields prints a field: value view of one resource.
func (o *output) fields(fs []field) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, f := range fs {
		fmt.Fprintf(tw, "%s:\t%s\n", f.name, cell(f.value))
	}
	tw.Flush()
	writeTrimmed(o.w, buf.Bytes())
	return o.flush()
}

// writeTrimmed writes lines without their trailing spaces, which tabwriter
// leaves after a cell followed by an empty one.
func writeTrimmed(w io.Writer, text []byte) error {
	var out bytes.Buffer
	for line := range bytes.Lines(text) {
		out.Write(bytes.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}

// listing says how to print the items of one kind of list page P.
type listing[P, T any] struct {
	noun   string           // what the items are, for hints: "sessions"
	key    string           // the collection's key in the API's JSON
	next   func(P) string   // the page's next_marker
	items  func(P) []T      // the items of a page
	header []string         // the table's column titles
	row    func(T) []string // the table's cells of an item
}

// printPages prints the pages of a list as they arrive. Without all there is
// one page, printed in JSON as the API sent it (with page_info, so that a
// script can page by hand with --marker). With all, the JSON is one document
// {"<key>": [items of every page]}, written item by item; the table's header
// is printed once. An error stops the printing after the pages already
// printed.
func printPages[P, T any](o *output, pages iter.Seq2[P, error], all bool, l listing[P, T]) error {
	if o.format == formatJSON && !all {
		for page, err := range pages {
			if err != nil {
				return err
			}
			return o.json(page)
		}
		return nil
	}
	if o.format == formatJSON {
		return printJSONStream(o, pages, l)
	}
	t := &table{header: l.header}
	next := ""
	for page, err := range pages {
		if err != nil {
			return err
		}
		next = l.next(page)
		items := l.items(page)
		rows := make([][]string, len(items))
		for i, item := range items {
			rows[i] = l.row(item)
		}
		if err := t.write(o.w, rows); err != nil {
			return err
		}
		if err := o.flush(); err != nil {
			return err
		}
	}
	if !all && next != "" && o.hints != nil {
		fmt.Fprintf(o.hints, "More %s follow: add --marker %s for the next page, or --all for all of them.\n", l.noun, next)
	}
	return nil
}

func printJSONStream[P, T any](o *output, pages iter.Seq2[P, error], l listing[P, T]) error {
	fmt.Fprintf(o.w, "{\n  %q: [", l.key)
	n := 0
	for page, err := range pages {
		if err != nil {
			o.flush()
			return err
		}
		for _, item := range l.items(page) {
			b, err := marshalIndent(item, "    ")
			if err != nil {
				return err
			}
			if n > 0 {
				o.w.WriteByte(',')
			}
			o.w.WriteString("\n    ")
			o.w.Write(b)
			n++
		}
		if err := o.flush(); err != nil {
			return err
		}
	}
	if n > 0 {
		o.w.WriteString("\n  ")
	}
	o.w.WriteString("]\n}\n")
	return o.flush()
}

// table prints rows in aligned columns, page by page. A column is as wide as
// the widest cell seen so far, in this page or an earlier one, so that the
// columns of consecutive pages line up; only a later cell wider than all
// before it widens its column from its page on.
type table struct {
	header []string
	widths []int
	begun  bool
}

// write prints one page of rows, with the header before the first page.
func (t *table) write(w io.Writer, rows [][]string) error {
	if t.widths == nil {
		t.widths = make([]int, len(t.header))
	}
	lines := rows
	if !t.begun {
		lines = append([][]string{t.header}, rows...)
		t.begun = true
	}
	for _, r := range lines {
		for i, c := range r {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(cell(c)))
		}
	}
	// tabwriter aligns the page; padding every cell to the remembered width
	// makes it give each column the same width as on the pages before.
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, r := range lines {
		for i, c := range r {
			c = cell(c)
			if i == len(r)-1 {
				fmt.Fprintf(tw, "%s\n", c)
				break
			}
			fmt.Fprintf(tw, "%s%s\t", c, strings.Repeat(" ", t.widths[i]-utf8.RuneCountInString(c)))
		}
	}
	tw.Flush()
	return writeTrimmed(w, buf.Bytes())
}

// cell makes s printable in one table cell: control characters such as tab
// and newline, which would break the columns, become spaces.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// orDash returns s, or "-" for an empty cell in the middle of a row.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// orWord returns s, or word when s is empty; the API's "" means "any
// address" or "all ports".
func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// onePage is the pages of a list fetched once, without --all.
func onePage[P any](page P, err error) iter.Seq2[P, error] {
	return func(yield func(P, error) bool) { yield(page, err) }
}
