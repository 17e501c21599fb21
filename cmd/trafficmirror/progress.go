package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress reports how far a bulk copy has come, on standard error: on a
// terminal a bar redrawn in place (percent, counts, rate); otherwise plain
// lines, one at each tenth of the total and at least one every
// progressEvery, so that logs of long runs show it moving without filling
// up. A nil *progress reports nothing. It is safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	bar   bool
	verb  string
	total int // 0: unknown
	done  int
	now   func() time.Time
	start time.Time
	// last is when the last bar or line was written; step is the tenth of
	// the total the last line reported.
	last time.Time
	step int
}

// Intervals of the progress output.
const (
	progressRedraw = 100 * time.Millisecond
	progressEvery  = 10 * time.Second
	barWidth       = 30
)

// newProgress returns the progress of verb ("exporting") on w: a bar when w
// is a terminal, nil when quiet.
func newProgress(w io.Writer, verb string, quiet bool) *progress {
	if quiet {
		return nil
	}
	return newProgressTo(w, verb, isTerminal(w), time.Now)
}

func newProgressTo(w io.Writer, verb string, bar bool, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, bar: bar, verb: verb, now: now, start: t, last: t}
}

// setTotal sets the number of items expected.
func (p *progress) setTotal(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = n
}

// add counts n more items done.
func (p *progress) add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := p.now()
	if p.bar {
		if now.Sub(p.last) >= progressRedraw || p.done == p.total {
			p.drawBar(now)
		}
		return
	}
	step := 0
	if p.total > 0 {
		step = min(10*p.done/p.total, 10)
	}
	if step > p.step || now.Sub(p.last) >= progressEvery {
		p.step = step
		p.last = now
		fmt.Fprintf(p.w, "%s: %s\n", p.verb, p.status(now))
	}
}

// finish ends the bar, or writes a last line, with the time taken.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.bar {
		p.drawBar(now)
		fmt.Fprintln(p.w)
		return
	}
	fmt.Fprintf(p.w, "%s: %d items in %s\n", p.verb, p.done, now.Sub(p.start).Round(time.Millisecond))
}

// status is "done/total (pct%), rate/s", or without the total when unknown.
func (p *progress) status(now time.Time) string {
	rate := ""
	if d := now.Sub(p.start).Seconds(); d > 0 {
		rate = fmt.Sprintf(", %.0f/s", float64(p.done)/d)
	}
	if p.total <= 0 {
		return fmt.Sprintf("%d%s", p.done, rate)
	}
	return fmt.Sprintf("%d/%d (%d%%)%s", p.done, p.total, p.percent(), rate)
}

func (p *progress) percent() int {
	if p.total <= 0 {
		return 0
	}
	return min(100*p.done/p.total, 100)
}

// drawBar redraws the bar in place.
func (p *progress) drawBar(now time.Time) {
	p.last = now
	filled := 0
	if p.total > 0 {
		filled = barWidth * p.percent() / 100
	}
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
	// \r returns to the start of the line; \x1b[K clears what a longer
	// earlier line left behind.
	fmt.Fprintf(p.w, "\r%-9s [%s] %s\x1b[K", p.verb, bar, p.status(now))
}
