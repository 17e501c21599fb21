package main

import (
	"testing"
	"time"
)

func TestPageInfo(t *testing.T) {
	for _, c := range []struct {
		body      string
		wantCount int
		wantNext  string
	}{
		{`{"traffic_mirror_sessions":[],"page_info":{"previous_marker":"","current_count":0},"request_id":"r"}`, 0, ""},
		{`{"traffic_mirror_sessions":[{"id":"a"},{"id":"b"}],"page_info":{"previous_marker":"a","current_count":2,"next_marker":"b"},"request_id":"r"}`, 2, "b"},
		// A description holding the key, escaped as the encoder escapes it,
		// does not fool the search.
		{`{"traffic_mirror_sessions":[{"description":"\"page_info\":{\"current_count\":9"}],"page_info":{"previous_marker":"a","current_count":1},"request_id":"r"}`, 1, ""},
		{`not a page`, 0, ""},
	} {
		count, next := pageInfo([]byte(c.body))
		if count != c.wantCount || next != c.wantNext {
			t.Errorf("pageInfo(%s) = %d, %q; want %d, %q", c.body, count, next, c.wantCount, c.wantNext)
		}
	}
}

func TestFirstID(t *testing.T) {
	body := `{"traffic_mirror_session":{"id":"b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e","project_id":"p","traffic_mirror_filter_id":"f"},"request_id":"r"}`
	if got, want := firstID([]byte(body)), "b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e"; got != want {
		t.Errorf("firstID(%s) = %q, want %q", body, got, want)
	}
	if got := firstID([]byte(`{}`)); got != "" {
		t.Errorf(`firstID({}) = %q, want ""`, got)
	}
}

func TestPercentile(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{90, 90 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0, 1 * time.Millisecond},
	} {
		if got := percentile(sorted, c.p); got != c.want {
			t.Errorf("percentile(1..100 ms, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile([7], 99) = %v, want 7", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil, 50) = %v, want 0", got)
	}
}
