package sqlstore

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/pgtest"
)

func TestResourceCounts(t *testing.T) {
	for name, dsn := range map[string]func(t *testing.T) string{
		"SQLite":     func(t *testing.T) string { return t.TempDir() + "/counts.db" },
		"PostgreSQL": func(t *testing.T) string { return pgtest.DSN(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, dsn(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			check := func(want map[string]int64) {
				t.Helper()
				got, err := s.ResourceCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("ResourceCounts mismatch (-want +got):\n%s", diff)
				}
			}
			check(map[string]int64{"sessions": 0, "filters": 0, "rules": 0})
			var filterIDs []string
			for _, project := range []string{"p1", "p2"} {
				f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
				if err != nil {
					t.Fatal(err)
				}
				filterIDs = append(filterIDs, f.ID)
				_, err = s.CreateFilterRule(ctx, mirror.FilterRule{ProjectID: project, FilterID: f.ID,
					Direction: mirror.DirectionIngress, Protocol: "tcp", Ethertype: mirror.EthertypeIPv4,
					Action: mirror.ActionAccept, Priority: 1})
				if err != nil {
					t.Fatal(err)
				}
			}
			_, err = s.CreateSession(ctx, mirror.Session{ProjectID: "p1", Name: "s", FilterID: filterIDs[0],
				Sources: []string{"6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"}, TargetID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
				TargetType: "eni", VirtualNetworkID: 1, PacketLength: 96, Priority: 1, Type: "eni"})
			if err != nil {
				t.Fatal(err)
			}
			check(map[string]int64{"sessions": 1, "filters": 2, "rules": 2})
			if err := s.DeleteFilter(ctx, "p2", filterIDs[1]); err != nil {
				t.Fatal(err)
			}
			check(map[string]int64{"sessions": 1, "filters": 1, "rules": 1})
		})
	}
}
