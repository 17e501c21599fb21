package sqlstore

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzSources checks the hand-written codec of the stored sources against
// encoding/json: decodeSources accepts exactly what json.Unmarshal accepts
// into a []string, with the same result (a null or empty array as an empty
// slice), and encodeSources writes the bytes of json.Marshal.
func FuzzSources(f *testing.F) {
	for _, seed := range []string{
		`[]`, `["6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b"]`,
		`["6E7B6A52-0C31-4B7F-8D9A-1C2F3E4D5A6B","9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]`,
		`[""]`, `["a",""]`, `null`, ``, `[`, `]`, `["a",]`, `["a" ,"b"]`, ` ["a"]`, `["a"] `,
		`["a\"b"]`, `["a\\b"]`, `["\u0041"]`, `["<&>"]`, `["é"]`, "[\"\xff\"]", `["a","b"`,
		`[1]`, `["a",1]`, `[null]`, `{"a":1}`, `"a"`, `["a""b"]`, `["a",,"b"]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want []string
		wantErr := json.Unmarshal([]byte(s), &want)
		if wantErr == nil && want == nil {
			want = []string{}
		}
		got, err := decodeSources(s)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("decodeSources(%q) = %q, %v; json.Unmarshal: %q, %v", s, got, err, want, wantErr)
		}
		if err == nil {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("decodeSources(%q) differs from json.Unmarshal (-want +got):\n%s", s, diff)
			}
			if got == nil {
				t.Fatalf("decodeSources(%q) = nil, want a slice", s)
			}
			// What decodes encodes as json.Marshal encodes it, and back.
			b, _ := json.Marshal(got)
			if enc := encodeSources(got); enc != string(b) {
				t.Fatalf("encodeSources(%q) = %s, json.Marshal: %s", got, enc, b)
			}
			back, err := decodeSources(encodeSources(got))
			if err != nil || !cmp.Equal(got, back) {
				t.Fatalf("decodeSources(encodeSources(%q)) = %q, %v", got, back, err)
			}
		}
	})
}

func TestEncodeSources(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, `[]`},
		{[]string{}, `[]`},
		{[]string{"a"}, `["a"]`},
		{[]string{"a", "B-1"}, `["a","B-1"]`},
		{[]string{`a"b`, "<"}, `["a\"b","\u003c"]`},
	} {
		if got := encodeSources(tc.in); got != tc.want {
			t.Errorf("encodeSources(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func BenchmarkDecodeSources(b *testing.B) {
	const s = `["6e7b6a52-0c31-4b7f-8d9a-1c2f3e4d5a6b","9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]`
	var jsonNs float64
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out []string
			if err := json.Unmarshal([]byte(s), &out); err != nil {
				b.Fatal(err)
			}
		}
		jsonNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("decodeSources", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeSources(s); err != nil {
				b.Fatal(err)
			}
		}
		if jsonNs > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/jsonNs, "x-json")
		}
	})
}
