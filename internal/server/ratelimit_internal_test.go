package server

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newTestLimiter(l RateLimit, c *fakeClock) *limiter {
	lim := newLimiter(l)
	lim.now = c.now
	return lim
}

func TestLimiterTakeAndWait(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newTestLimiter(RateLimit{Rate: 2, Burst: 3}, clock)
	for i := range 3 {
		if ok, _ := l.take("k"); !ok {
			t.Fatalf("take %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := l.take("k")
	if ok || wait != 500*time.Millisecond {
		t.Errorf("take past the burst = %v, %v; want false, 500ms (one token at 2/s)", ok, wait)
	}
	if got := l.wait("k"); got != 500*time.Millisecond {
		t.Errorf("wait = %v, want 500ms", got)
	}
	clock.advance(250 * time.Millisecond)
	if got := l.wait("k"); got != 250*time.Millisecond {
		t.Errorf("wait after 250ms = %v, want 250ms", got)
	}
	clock.advance(250 * time.Millisecond)
	if ok, _ := l.take("k"); !ok {
		t.Error("take once a token refilled was refused")
	}
	// wait neither makes a bucket nor reports a wait for an unknown key.
	if got := l.wait("unknown"); got != 0 || l.size() != 1 {
		t.Errorf("wait(unknown) = %v with %d buckets, want 0 with 1", got, l.size())
	}
}

func TestLimiterOff(t *testing.T) {
	for _, rl := range []RateLimit{{}, {Rate: 0, Burst: 10}, {Rate: -1, Burst: 1}} {
		l := newLimiter(rl)
		if l != nil {
			t.Errorf("newLimiter(%+v) = %v, want nil (no limit)", rl, l)
		}
		for range 100 {
			if ok, _ := l.take("k"); !ok || l.wait("k") != 0 {
				t.Fatalf("the nil limiter of %+v refused", rl)
			}
		}
	}
	if l := newLimiter(RateLimit{Rate: 1}); l.burst != 1 {
		t.Errorf("burst of RateLimit{Rate: 1} = %d, want 1", l.burst)
	}
}

// Buckets that are full again are dropped, and no more than max are kept
// however many keys come, so memory stays bounded.
func TestLimiterEviction(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newTestLimiter(RateLimit{Rate: 1, Burst: 2}, clock)
	l.take("a")
	l.take("b")
	l.take("b")
	l.take("b") // refused: b is empty
	clock.advance(sweepEvery)
	l.take("c") // sweeps: a and b have refilled
	if got := l.size(); got != 1 {
		t.Errorf("%d buckets after a sweep, want 1 (only c)", got)
	}

	l.max = 100
	for i := range 10 * l.max {
		l.take(fmt.Sprint("addr-", i))
		if got := l.size(); got > l.max {
			t.Fatalf("%d buckets after %d keys, want at most %d", got, i+1, l.max)
		}
		if i%50 == 0 {
			clock.advance(time.Second)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 1},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{1500 * time.Millisecond, 2},
		{1000 * time.Second, 1000},
	} {
		if got := retryAfter(tt.d).seconds(); got != tt.want {
			t.Errorf("retryAfter(%v).seconds() = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestClientAddress(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:1234", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:80", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"[::1]:80", "::/64"},
		{"@unix", "@unix"}, // not host:port: used as it is
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := clientAddress(r); got != tt.want {
			t.Errorf("clientAddress(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}
