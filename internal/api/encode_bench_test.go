package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// benchPage returns a page of n sessions shaped like the load tool's data:
// one to three sources, a short description, a 36-character filter and
// target ID.
func benchPage(n int) mirror.Page[mirror.Session] {
	items := make([]mirror.Session, n)
	t := time.Date(2024, 3, 14, 8, 44, 12, 0, time.UTC)
	for i := range items {
		sources := []string{fmt.Sprintf("6e7b6a52-0c31-4b7f-8d9a-%012x", i)}
		for k := range i % 3 {
			sources = append(sources, fmt.Sprintf("6e7b6a52-0c31-4b7f-9d9a-%06x%06x", i, k))
		}
		items[i] = mirror.Session{
			ID:               fmt.Sprintf("b2f1d9c4-7a3e-4e2b-9c1d-%012x", i),
			ProjectID:        "0123456789abcdef0123456789abcdef",
			Name:             fmt.Sprintf("web-mirror-%d", i),
			Description:      fmt.Sprintf("tm-bench #%d", i),
			FilterID:         "3f0c8f0a-4d9e-4b54-9a55-0a4d1b3c2e11",
			Sources:          sources,
			TargetID:         "9a8b7c6d-5e4f-4a3b-ac2d-1e0f9a8b7c6d",
			TargetType:       mirror.TargetTypeENI,
			VirtualNetworkID: 1,
			PacketLength:     96,
			Priority:         1 + i%32766,
			Enabled:          i%3 == 0,
			Type:             mirror.SourceTypeENI,
			CreatedAt:        t.Add(time.Duration(i) * time.Millisecond),
			UpdatedAt:        t.Add(time.Duration(i) * time.Millisecond),
		}
	}
	return mirror.Page[mirror.Session]{Items: items, More: true}
}

// encodeLikeServer encodes v as the server's encode does.
func encodeLikeServer(buf *bytes.Buffer, v any) error {
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// BenchmarkEncodeSessionList measures the response body of a list page: the
// server's way, AppendSessionList straight from the domain type into a
// reused buffer ("Append"), and the encoding/json way it replaced, split into
// the conversion from the domain type (NewSessionList, which formats the
// timestamps) and the reflection-based encoding. Each reports its cost relative to the "Copy" baseline run just
// before it, a plain copy of the same number of bytes into a reused buffer
// (x-copy: what writing the bytes at all costs), and the bytes per second.
func BenchmarkEncodeSessionList(b *testing.B) {
	for _, n := range []int{1, 100, 2000} {
		page := benchPage(n)
		list := NewSessionList(page, "5d0c2c8e-3b7a-4f6e-9a1d-2b3c4d5e6f70")
		var encoded bytes.Buffer
		if err := encodeLikeServer(&encoded, list); err != nil {
			b.Fatal(err)
		}
		size := int64(encoded.Len())
		var baseline float64 // ns per copy
		b.Run(fmt.Sprintf("%d/Copy", n), func(b *testing.B) {
			var dst bytes.Buffer
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				dst.Reset()
				dst.Write(encoded.Bytes())
			}
			baseline = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		report := func(b *testing.B) {
			if baseline > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseline, "x-copy")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/session")
		}
		b.Run(fmt.Sprintf("%d/Append", n), func(b *testing.B) {
			var buf []byte
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendSessionList(buf[:0], page, "5d0c2c8e-3b7a-4f6e-9a1d-2b3c4d5e6f70")
			}
			report(b)
		})
		b.Run(fmt.Sprintf("%d/Convert", n), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				NewSessionList(page, "5d0c2c8e-3b7a-4f6e-9a1d-2b3c4d5e6f70")
			}
			report(b)
		})
		b.Run(fmt.Sprintf("%d/Encode", n), func(b *testing.B) {
			var buf bytes.Buffer
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if err := encodeLikeServer(&buf, list); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
		b.Run(fmt.Sprintf("%d/ConvertAndEncode", n), func(b *testing.B) {
			var buf bytes.Buffer
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if err := encodeLikeServer(&buf, NewSessionList(page, "5d0c2c8e-3b7a-4f6e-9a1d-2b3c4d5e6f70")); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
	}
}

// TestBenchPageEncodes keeps the benchmark's input honest: its encoding is
// a valid list body with every session.
func TestBenchPageEncodes(t *testing.T) {
	var buf bytes.Buffer
	if err := encodeLikeServer(&buf, NewSessionList(benchPage(3), "r")); err != nil {
		t.Fatal(err)
	}
	var got SessionList
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("decode %s: %v", buf.Bytes(), err)
	}
	if len(got.Sessions) != 3 || got.PageInfo.NextMarker != got.Sessions[2].ID || len(got.Sessions[2].Sources) != 3 {
		t.Errorf("decoded %+v; want 3 sessions, the last with 3 sources and as the next marker", got)
	}
}
