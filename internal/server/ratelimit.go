package server

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// RateLimit is a token bucket: on average Rate events per second, and up to
// Burst at once after a quiet spell. The zero RateLimit is no limit.
type RateLimit struct {
	Rate  float64 // events per second; 0 or less: no limit
	Burst int     // the bucket's size; less than 1 counts as 1
}

func (l RateLimit) on() bool { return l.Rate > 0 }

// maxBuckets bounds the buckets a limiter keeps. Access keys are bounded by
// the keyring already (a key is charged only once verified), but client
// addresses are chosen by whoever connects.
const maxBuckets = 1 << 16

// sweepEvery is how often idle buckets are dropped while new ones are made.
const sweepEvery = time.Minute

// limiter keeps one token bucket per key (an access key or a client
// address), made on first use and dropped once it is full again: a full
// bucket behaves exactly like a new one, so dropping it loses nothing.
type limiter struct {
	limit rate.Limit
	burst int
	max   int              // most buckets kept
	now   func() time.Time // the clock; tests replace it

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time // last sweep
}

// newLimiter returns a limiter of l, or nil when l is no limit. A nil
// *limiter allows everything.
func newLimiter(l RateLimit) *limiter {
	if !l.on() {
		return nil
	}
	return &limiter{
		limit:   rate.Limit(l.Rate),
		burst:   max(l.Burst, 1),
		max:     maxBuckets,
		now:     time.Now,
		buckets: map[string]*rate.Limiter{},
	}
}

// take takes a token from key's bucket. When the bucket is empty it takes
// nothing and returns false and how long until a token is there.
func (l *limiter) take(key string) (ok bool, wait time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	b := l.bucket(key, now, true)
	if b.AllowN(now, 1) {
		return true, 0
	}
	return false, l.untilToken(b, now)
}

// wait returns how long until key's bucket holds a whole token: 0 when it
// does now. It takes nothing and makes no bucket.
func (l *limiter) wait(key string) time.Duration {
	if l == nil {
		return 0
	}
	now := l.now()
	b := l.bucket(key, now, false)
	if b == nil {
		return 0
	}
	return l.untilToken(b, now)
}

// untilToken returns how long until b holds a whole token, 0 when it does.
func (l *limiter) untilToken(b *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - b.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / float64(l.limit) * float64(time.Second)))
}

// bucket returns key's bucket, making it when create is set (nil
// otherwise).
func (l *limiter) bucket(key string, now time.Time, create bool) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok || !create {
		return b
	}
	full := len(l.buckets) >= l.max
	// A full map is swept at most once a second, so that a flood of new
	// addresses cannot make every request walk the whole map.
	if since := now.Sub(l.swept); since >= sweepEvery || full && since >= time.Second {
		l.sweep(now)
	}
	if len(l.buckets) >= l.max {
		// Every bucket is in use: forget one at random (map order is
		// random). Its owner gets a fresh burst, which is the price of
		// bounded memory.
		for k := range l.buckets {
			delete(l.buckets, k)
			break
		}
	}
	b := rate.NewLimiter(l.limit, l.burst)
	l.buckets[key] = b
	return b
}

// sweep drops the buckets that are full again. l.mu is held.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}

// size returns the number of buckets kept.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// retryAfter is the private cause of a 429: how long the caller should wait.
// errors.go sends it as the Retry-After header.
type retryAfter time.Duration

func (d retryAfter) Error() string { return "retry after " + time.Duration(d).String() }

// seconds returns d in whole seconds, rounded up, at least 1: the
// Retry-After value.
func (d retryAfter) seconds() int64 {
	return max(1, int64(math.Ceil(time.Duration(d).Seconds())))
}

// rateLimited returns the 429 APIGW.0308 error, worded as Huawei's API
// gateway words it, with the wait as its private cause. policy is "user"
// for an access key and "ip" for a client address.
func rateLimited(policy string, perSecond rate.Limit, wait time.Duration) *mirror.Error {
	return &mirror.Error{
		Kind: mirror.KindRateLimited,
		Code: mirror.CodeRateLimited,
		Msg: "The throttling threshold has been reached: policy " + policy + " over ratelimit,limit:" +
			strconv.FormatFloat(float64(perSecond), 'g', -1, 64) + ",time:1 second",
		Err: retryAfter(wait),
	}
}

// clientAddress returns the key a request's failed authentications are
// counted under: the host of r.RemoteAddr, for IPv6 its /64 (one host
// usually has a whole /64 to pick addresses from). Proxies are not trusted:
// behind one, every client shares the proxy's address.
func clientAddress(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap().WithZone("")
	if a.Is6() {
		p, err := a.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return a.String()
}

// limitRate charges the request to its verified access key: a key over its
// rate gets 429 APIGW.0308 with Retry-After. It runs after authentication so
// that nobody can spend another key's budget by sending its access key with
// a bad signature.
func (s *server) limitRate(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if ok, wait := s.keyLimit.take(infoOf(r).accessKey); !ok {
			return rateLimited("user", s.keyLimit.limit, wait)
		}
		return next(w, r)
	}
}

// authFailureGate refuses, with 429 APIGW.0308, a request from a client
// address that has used up its budget of failed authentications; it is
// called before any signature work.
func (s *server) authFailureGate(addr string) error {
	if wait := s.authFailures.wait(addr); wait > 0 {
		return rateLimited("ip", s.authFailures.limit, wait)
	}
	return nil
}

// chargeAuthFailure counts a failed authentication against the client
// address, and logs once when the address runs out of budget.
func (s *server) chargeAuthFailure(r *http.Request, addr string) {
	if s.authFailures == nil {
		return
	}
	if ok, _ := s.authFailures.take(addr); ok && s.authFailures.wait(addr) > 0 {
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "too many failed authentications; refusing the client address's requests until its budget refills",
			slog.String("request_id", requestID(r)), slog.String("client", addr),
			slog.String("budget", fmt.Sprintf("%g/s, burst %d", float64(s.authFailures.limit), s.authFailures.burst)))
	}
}
