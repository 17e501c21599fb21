package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/api"
)

// fakePages returns pages of sessions with the given names, one slice per
// page. Before yielding a page it calls before(i), so that a test can look
// at what was printed of the earlier pages; after the last page it yields
// err when not nil.
func fakePages(names [][]string, before func(i int), err error) iter.Seq2[api.SessionList, error] {
	return func(yield func(api.SessionList, error) bool) {
		n := 0
		for i, page := range names {
			before(i)
			var p api.SessionList
			for _, name := range page {
				n++
				p.Sessions = append(p.Sessions, api.Session{
					ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", n), Name: name, Priority: n,
					Sources: []string{}, TargetType: "eni", Type: "eni",
				})
			}
			p.PageInfo.CurrentCount = len(p.Sessions)
			if !yield(p, nil) {
				return
			}
		}
		if err != nil {
			yield(api.SessionList{}, err)
		}
	}
}

func TestPrintPagesStreams(t *testing.T) {
	pages := [][]string{{"a-long-name", "b"}, {"c"}, {"d"}}
	for _, format := range []string{formatTable, formatJSON} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			printed := []int{}
			before := func(i int) {
				// Count the names of the earlier pages already written.
				n := 0
				for _, page := range pages[:i] {
					for _, name := range page {
						if strings.Contains(out.String(), `"`+name+`"`) || strings.Contains(out.String(), " "+name+" ") {
							n++
						}
					}
				}
				printed = append(printed, n)
			}
			err := printPages(newOutput(&out, format), fakePages(pages, before, nil), true, sessionListing)
			if err != nil {
				t.Fatal(err)
			}
			// Before page i is fetched, every item of pages 0..i-1 is out.
			if diff := cmp.Diff([]int{0, 2, 3}, printed); diff != "" {
				t.Errorf("items printed before each page was fetched (-want +got):\n%s\noutput:\n%s", diff, out.String())
			}
		})
	}
}

func TestPrintPagesTableAlignsAcrossPages(t *testing.T) {
	var out bytes.Buffer
	pages := [][]string{{"a-long-name", "b"}, {"c"}, {"a-much-longer-name"}}
	if err := printPages(newOutput(&out, formatTable), fakePages(pages, func(int) {}, nil), true, sessionListing); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d lines; want a header and 4 rows:\n%s", len(lines), out.String())
	}
	// The PRIORITY column starts at the same place in the header and in
	// the rows of the first two pages; the third page's longer name
	// widens the column from there on.
	col := strings.Index(lines[0], "PRIORITY")
	for i, line := range lines[1:4] {
		if got := strings.IndexAny(line[col:], "0123456789"); got != 0 {
			t.Errorf("row %d: priority not at column %d:\n%s", i, col, out.String())
		}
	}
	if lines[4][col] == '4' {
		t.Errorf("the wider name of the last page did not widen its column:\n%s", out.String())
	}
	for _, line := range lines {
		if strings.HasSuffix(line, " ") {
			t.Errorf("line %q ends with a space", line)
		}
	}
}

func TestPrintPagesJSON(t *testing.T) {
	t.Run("AllIsOneDocument", func(t *testing.T) {
		var out bytes.Buffer
		pages := [][]string{{"a", "b&c"}, {}, {"d"}}
		if err := printPages(newOutput(&out, formatJSON), fakePages(pages, func(int) {}, nil), true, sessionListing); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Sessions []api.Session `json:"traffic_mirror_sessions"`
		}
		dec := json.NewDecoder(&out)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("output is not one JSON document: %v", err)
		}
		var names []string
		for _, s := range doc.Sessions {
			names = append(names, s.Name)
		}
		if diff := cmp.Diff([]string{"a", "b&c", "d"}, names); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
		if dec.More() {
			t.Error("more output after the document")
		}
	})

	t.Run("OnePageIsTheAPIBody", func(t *testing.T) {
		var out bytes.Buffer
		if err := printPages(newOutput(&out, formatJSON), fakePages([][]string{{"a"}}, func(int) {}, nil), false, sessionListing); err != nil {
			t.Fatal(err)
		}
		var body api.SessionList
		if err := json.Unmarshal(out.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if len(body.Sessions) != 1 || body.PageInfo.CurrentCount != 1 || !strings.Contains(out.String(), `"page_info"`) {
			t.Errorf("output = %s; want the list body with page_info", out.String())
		}
	})

	t.Run("ErrorAfterPages", func(t *testing.T) {
		for _, format := range []string{formatTable, formatJSON} {
			var out bytes.Buffer
			boom := errors.New("boom")
			err := printPages(newOutput(&out, format), fakePages([][]string{{"a"}}, func(int) {}, boom), true, sessionListing)
			if !errors.Is(err, boom) {
				t.Errorf("%s: err = %v; want boom", format, err)
			}
			if !strings.Contains(out.String(), "a") {
				t.Errorf("%s: the page before the error was not printed: %q", format, out.String())
			}
		}
	})
}

func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"tab\there", "tab here"},
		{"two\nlines\r", "two lines "},
		{"汉字", "汉字"},
	} {
		if got := cell(tc.in); got != tc.want {
			t.Errorf("cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
