package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/api"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

const testProject = "0123456789abcdef0123456789abcdef"

// TestGeneratorBusinessRules generates sessions and checks the rules of
// ../shared/spec/constraints.md that span sessions, which the server would
// refuse during seeding, and the spread the brief asks for.
func TestGeneratorBusinessRules(t *testing.T) {
	const n = 30000
	g := generator{seed: 7}
	type use struct {
		session  uint64
		priority int
	}
	sourceUses := map[string][]use{}
	targets := map[string]bool{}
	names := map[string]int{}
	var enabled, repeated, eip, multiSource int
	for i := uint64(0); i < n; i++ {
		s := g.session(i)
		if len(s.Sources) < 1 || len(s.Sources) > 10 {
			t.Fatalf("session %d has %d sources, want 1 to 10", i, len(s.Sources))
		}
		if len(s.Sources) > 1 {
			multiSource++
		}
		for _, src := range s.Sources {
			key := strings.ToLower(src)
			sourceUses[key] = append(sourceUses[key], use{i, s.Priority})
		}
		targets[strings.ToLower(s.TargetID)] = true
		names[s.Name]++
		if s.Enabled {
			enabled++
		}
		if !s.uniqueName() {
			repeated++
		}
		if s.Type == mirror.SourceTypeEIP {
			eip++
		}
		if s.FilterIndex != i/sessionsPerFilter {
			t.Errorf("session %d: filter index %d, want %d", i, s.FilterIndex, i/sessionsPerFilter)
		}
	}
	shared := 0
	for src, uses := range sourceUses {
		if len(uses) > 3 {
			t.Errorf("source %s is in %d sessions, more than 3 (S10)", src, len(uses))
		}
		if len(uses) > 1 {
			shared++
		}
		seen := map[int]uint64{}
		for _, u := range uses {
			if other, ok := seen[u.priority]; ok {
				t.Errorf("sessions %d and %d share source %s and priority %d (S11)", other, u.session, src, u.priority)
			}
			seen[u.priority] = u.session
		}
		if targets[src] {
			t.Errorf("%s is both a source and a target (S9)", src)
		}
	}
	if shared == 0 {
		t.Error("no source is shared by several sessions; want some")
	}
	if len(targets) > targetCount {
		t.Errorf("%d targets, want at most %d", len(targets), targetCount)
	}
	for name, count := range names {
		if strings.Contains(name, "-mirror-") && count != 1 {
			t.Errorf("unique name %s is used %d times", name, count)
		}
	}
	for _, c := range []struct {
		what     string
		got      int
		min, max float64
	}{
		{"enabled", enabled, 0.27, 0.33},
		{"repeated names", repeated, 0.04, 0.06},
		{"eip", eip, 0.08, 0.12},
		{"several sources", multiSource, 0.45, 0.65},
	} {
		if share := float64(c.got) / n; share < c.min || share > c.max {
			t.Errorf("share of %s = %.3f, want %.2f to %.2f", c.what, share, c.min, c.max)
		}
	}
}

// TestGeneratorValid checks that generated sessions, filters and rules pass
// the API's own validation, as the server applies it.
func TestGeneratorValid(t *testing.T) {
	g := generator{seed: 1}
	const filterID = "3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11"
	for i := uint64(0); i < 2000; i++ {
		s := g.session(i)
		body, err := json.Marshal(api.SessionRequest{Session: s.fields(filterID)})
		if err != nil {
			t.Fatal(err)
		}
		f, err := api.DecodeSession(body)
		if err != nil {
			t.Fatalf("session %d: DecodeSession(%s) = %v", i, body, err)
		}
		sess, err := f.NewSession(testProject, mirror.DefaultLimits().SourcesPerSession)
		if err != nil {
			t.Fatalf("session %d: NewSession(%s) = %v", i, body, err)
		}
		if err := sess.CheckCombination(); err != nil {
			t.Fatalf("session %d: CheckCombination() = %v", i, err)
		}
		if got, ok := indexOfDescription(sess.Description); !ok || got != i {
			t.Fatalf("indexOfDescription(%q) = %d, %v; want %d, true", sess.Description, got, ok, i)
		}
	}
	for j := uint64(0); j < 200; j++ {
		f := g.filter(j)
		if got, ok := indexOfFilterName(f.Name); !ok || got != j {
			t.Fatalf("indexOfFilterName(%q) = %d, %v; want %d, true", f.Name, got, ok, j)
		}
		if err := mirror.CheckName("name", f.Name); err != nil {
			t.Fatalf("filter %d: %v", j, err)
		}
		if len(f.Rules) < 1 || len(f.Rules) > 4 {
			t.Fatalf("filter %d has %d rules, want 1 to 4", j, len(f.Rules))
		}
		seen := map[string]bool{}
		for _, rf := range f.Rules {
			rf.FilterID = api.StringOf(filterID)
			r, err := rf.NewRule(testProject)
			if err != nil {
				t.Fatalf("filter %d: NewRule = %v", j, err)
			}
			if err := r.CheckCombination(); err != nil {
				t.Fatalf("filter %d: rule CheckCombination() = %v", j, err)
			}
			key := fmt.Sprint(r.Direction, "/", r.Priority)
			if seen[key] {
				t.Errorf("filter %d has two %s rules of priority %d (R3)", j, r.Direction, r.Priority)
			}
			seen[key] = true
		}
	}
}

// TestGeneratorDeterministic checks that the data is a function of the
// seed and the index only.
func TestGeneratorDeterministic(t *testing.T) {
	a, b := generator{seed: 42}, generator{seed: 42}
	for _, i := range []uint64{0, 1, 2, 99, 100, 12345, createIndexBase + 5} {
		if diff := cmp.Diff(a.session(i), b.session(i)); diff != "" {
			t.Errorf("session(%d) differs between two generators of one seed (-a +b):\n%s", i, diff)
		}
	}
	// The rules hold unexported raw JSON: compare their encoding.
	fa, _ := json.Marshal(a.filter(3))
	fb, _ := json.Marshal(b.filter(3))
	if diff := cmp.Diff(string(fa), string(fb)); diff != "" {
		t.Errorf("filter(3) differs between two generators of one seed (-a +b):\n%s", diff)
	}
	if cmp.Equal(a.session(5).Sources, generator{seed: 43}.session(5).Sources) {
		t.Error("seeds 42 and 43 give session 5 the same sources; want different data")
	}
}

func TestIndexOfDescription(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"tm-bench #0", 0, true},
		{"tm-bench #123 web tier to the collectors", 123, true},
		{"tm-bench #", 0, false},
		{"tm-bench #12x", 0, false},
		{"someone else's session", 0, false},
		{"", 0, false},
	} {
		got, ok := indexOfDescription(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("indexOfDescription(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
