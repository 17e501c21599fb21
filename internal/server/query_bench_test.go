package server

import (
	"net/url"
	"testing"
)

// benchQueries are the raw queries of the load tool's list workloads.
var benchQueries = []struct{ name, raw string }{
	{"FirstPage", "limit=100"},
	{"ByName", "name=web-mirror-123456"},
	{"Enabled", "enabled=true&limit=100"},
	{"FilterIDs", "traffic_mirror_filter_id=3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11&traffic_mirror_filter_id=4f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11&traffic_mirror_filter_id=5f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11"},
	{"Priorities", "priority=10&priority=200&priority=3000&priority=4&priority=32766"},
	{"WalkPage", "limit=2000&marker=b2f1d9c4-7a3e-4e2b-9c1d-5f6a7b8c9d0e"},
}

// BenchmarkParseSessionQuery measures the parsing of the list workloads'
// queries, each relative to url.ParseQuery of the same raw query run just
// before it (x-parsequery): the least a Go server does to read a query.
func BenchmarkParseSessionQuery(b *testing.B) {
	for _, q := range benchQueries {
		if _, err := parseSessionQuery(q.raw); err != nil {
			b.Fatalf("parseSessionQuery(%q) = %v", q.raw, err)
		}
		var baseline float64
		b.Run(q.name+"/ParseQuery", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := url.ParseQuery(q.raw); err != nil {
					b.Fatal(err)
				}
			}
			baseline = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseSessionQuery(q.raw); err != nil {
					b.Fatal(err)
				}
			}
			if baseline > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseline, "x-parsequery")
			}
		})
	}
}
