package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"testing"
)

// BenchmarkVerify measures Verify on a list request like example B, a create
// request like example A and the V11 example C. Each reports its cost as a
// multiple of the "HMACBaseline" sub-benchmark run just before it (one
// HMAC-SHA256 over a string to sign, the least any signature check must do),
// which stays comparable on noisy, shared machines.
func BenchmarkVerify(b *testing.B) {
	var baseline float64 // ns per HMAC
	b.Run("HMACBaseline", func(b *testing.B) {
		sts := []byte("SDK-HMAC-SHA256\n20240314T084412Z\na60059d6c6fef50b5169a26af04d7ce3d6ba8ac70aeeb8d265fe5671b15b398d")
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha256.New, []byte(exSK))
			m.Write(sts)
			m.Sum(nil)
		}
		baseline = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	for _, bc := range []struct {
		name    string
		request func(testing.TB) (*http.Request, []byte)
	}{
		{"GETList", exampleB},
		{"POSTCreate", exampleA},
		{"V11", func(tb testing.TB) (*http.Request, []byte) {
			return readWire(tb, "POST", exPathA, append(exampleHeaders(), header{"Authorization", exAuthC}), exBodyA)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, body := bc.request(b)
			v := newExampleVerifier()
			if _, err := v.Verify(r, body); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(r, body); err != nil {
					b.Fatal(err)
				}
			}
			if baseline > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/baseline, "x-hmac")
			}
		})
	}
}
