package server

import (
	"regexp"
	"testing"
)

func TestNewRequestID(t *testing.T) {
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if !v4.MatchString(id) {
			t.Fatalf("newRequestID() = %q, want a lower-case UUIDv4", id)
		}
		if seen[id] {
			t.Fatalf("newRequestID() repeated %q", id)
		}
		seen[id] = true
	}
}
