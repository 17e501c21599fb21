package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Check is one target of issue 4 with what was measured. The targets are
// set for 1,000,000 sessions; at other sizes they show the trend.
type Check struct {
	Measure  string `json:"measure"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      *bool  `json:"met,omitempty"` // nil: not measured
}

func check(measure, target string, measured string, met bool, known bool) Check {
	c := Check{Measure: measure, Target: target, Measured: measured}
	if known {
		c.Met = &met
	} else {
		c.Measured = "not measured"
	}
	return c
}

// findResult returns the result of a workload, nil when it did not run.
func findResult(rs []Result, name string) *Result {
	for i := range rs {
		if rs[i].Name == name {
			return &rs[i]
		}
	}
	return nil
}

// checkTargets compares a size's measurements with the targets.
func checkTargets(sr SizeResult) []Check {
	var out []Check
	ratio := func(name string, min float64) {
		r := findResult(sr.Workloads, name)
		known := r != nil && r.Baseline != nil
		var measured string
		var met bool
		if known {
			measured = fmt.Sprintf("%.2f (%.0f vs %.0f req/s)", r.Ratio, r.RPS, r.Baseline.RPS)
			met = r.Ratio >= min && r.Errors == 0
		}
		out = append(out, check("ratio to static baseline: "+name, fmt.Sprintf("≥ %.2f", min), measured, met, known))
	}
	ratio(wlByName, 0.5)
	ratio(wlShow, 0.5)
	ratio(wlFirstPage, 0.35)
	ratio(wlEnabled, 0.35)
	ratio(wlFilterIDs, 0.35)
	if r := findResult(sr.Workloads, wlByName); r != nil {
		out = append(out, check("p99 of list by name", "≤ 10 ms", fmt.Sprintf("%.2f ms", r.P99ms), r.P99ms <= 10, true))
	} else {
		out = append(out, check("p99 of list by name", "≤ 10 ms", "", false, false))
	}
	if w := sr.Walk; w != nil {
		m := fmt.Sprintf("%.2f s for %d sessions", w.Seconds, w.Sessions)
		met := w.Seconds <= 20 && w.Errors == 0
		if w.Sessions > 0 && w.Sessions < 1_000_000 {
			projected := w.Seconds * 1_000_000 / float64(w.Sessions)
			m += fmt.Sprintf(" (%.1f s per 1M at this rate)", projected)
			met = projected <= 20 && w.Errors == 0
		}
		out = append(out, check("walk all sessions, limit=2000", "≤ 20 s per 1M", m, met, true))
	} else {
		out = append(out, check("walk all sessions, limit=2000", "≤ 20 s per 1M", "", false, false))
	}
	if r := findResult(sr.Workloads, wlCreate); r != nil {
		out = append(out, check("durable creates through the API", "≥ 1500/s", fmt.Sprintf("%.0f/s", r.RPS), r.RPS >= 1500 && r.Errors == 0, true))
	} else if sr.Seed != nil && sr.Seed.Created > 0 {
		out = append(out, check("durable creates through the API (seeding)", "≥ 1500/s", fmt.Sprintf("%.0f/s", sr.Seed.CreatesPerSec), sr.Seed.CreatesPerSec >= 1500, true))
	} else {
		out = append(out, check("durable creates through the API", "≥ 1500/s", "", false, false))
	}
	peak := int64(0)
	for _, m := range []*Memory{sr.MemorySeed, sr.MemoryMeasure} {
		if m != nil {
			peak = max(peak, m.PeakRSSBytes)
		}
	}
	out = append(out, check("server peak RSS", "≤ 200 MiB", fmt.Sprintf("%.1f MiB", float64(peak)/(1<<20)), peak <= 200<<20, peak > 0))
	out = append(out, check("database size per session", "≤ 1024 B", fmt.Sprintf("%.0f B", sr.BytesPerSession), sr.BytesPerSession <= 1024, sr.BytesPerSession > 0))
	return out
}

// indexedWorkloads are the lists whose latency must not grow much with the
// number of sessions.
var indexedWorkloads = []string{wlShow, wlByName, wlEnabled, wlFilterIDs, wlPriority, wlFirstPage}

// growth returns p50 at the largest size over p50 at the smallest, per
// read workload.
func growth(sizes []SizeResult) map[string]float64 {
	if len(sizes) < 2 {
		return nil
	}
	first, last := sizes[0], sizes[len(sizes)-1]
	out := map[string]float64{}
	for _, name := range indexedWorkloads {
		a, b := findResult(first.Workloads, name), findResult(last.Workloads, name)
		if a != nil && b != nil && a.P50ms > 0 {
			out[name] = b.P50ms / a.P50ms
		}
	}
	return out
}

// printSize prints the tables of one size.
func printSize(w io.Writer, sr SizeResult) {
	fmt.Fprintf(w, "\n== %d sessions, %d filters ==\n", sr.Sessions, sr.Filters)
	if s := sr.Seed; s != nil {
		fmt.Fprintf(w, "seeding: %d sessions created (%d there already) in %.1f s: %.0f creates/s, p50 %.1f ms, p99 %.1f ms; %d filters, %d rules; %d errors\n",
			s.Created, s.FromSessions+s.Existing, s.Seconds, s.CreatesPerSec, s.P50ms, s.P99ms, s.FiltersCreated, s.RulesCreated, s.Errors)
	}
	if len(sr.Workloads) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "workload\treq/s\tp50 ms\tp90 ms\tp99 ms\terrors\tB/resp\titems\tsrv CPU µs/req\tclient CPU µs/req\tbaseline req/s\tbaseline CPU µs/req\tratio\t")
		for _, r := range sr.Workloads {
			base, baseCPU, ratio := "", "", ""
			if r.Baseline != nil {
				base = fmt.Sprintf("%.0f", r.Baseline.RPS)
				baseCPU = micros(r.Baseline.ClientCPUus)
				ratio = fmt.Sprintf("%.2f", r.Ratio)
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t%.0f\t%.1f\t%s\t%s\t%s\t%s\t%s\t\n",
				r.Name, r.RPS, r.P50ms, r.P90ms, r.P99ms, r.Errors, r.BytesPerRes, r.ItemsPerRes,
				micros(r.ServerCPUus), micros(r.ClientCPUus), base, baseCPU, ratio)
		}
		tw.Flush()
		fmt.Fprintln(w, "(srv CPU: the server process, from /proc; client CPU: this process; baseline CPU: this process, client and static server together)")
		for _, r := range sr.Workloads {
			if r.FirstError != "" {
				fmt.Fprintf(w, "  %s: first error: %s\n", r.Name, r.FirstError)
			}
		}
	}
	if c := sr.Cleanup; c != nil {
		fmt.Fprintf(w, "cleanup: %d deletes at %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors\n", c.Requests, c.RPS, c.P50ms, c.P99ms, c.Errors)
	}
	if wk := sr.Walk; wk != nil {
		fmt.Fprintf(w, "walk: %d sessions in %d pages, %.2f s (page p50 %.1f ms, p99 %.1f ms, %.0f B/page); baseline %.2f s, ratio %.2f; server CPU %.2f s; %d errors\n",
			wk.Sessions, wk.Pages, wk.Seconds, wk.PageP50ms, wk.PageP99ms, wk.BytesPage, wk.BaselineSeconds, wk.Ratio, wk.ServerCPUs, wk.Errors)
		if wk.FirstErr != "" {
			fmt.Fprintf(w, "  walk: error: %s\n", wk.FirstErr)
		}
	}
	for _, m := range []struct {
		name string
		m    *Memory
	}{{"seeding", sr.MemorySeed}, {"measuring", sr.MemoryMeasure}} {
		if m.m != nil {
			fmt.Fprintf(w, "server memory while %s: peak RSS %.1f MiB, RSS now %.1f MiB\n", m.name, float64(m.m.PeakRSSBytes)/(1<<20), float64(m.m.RSSBytes)/(1<<20))
		}
	}
	if len(sr.LoadAverage) == 2 {
		fmt.Fprintf(w, "load average before and after measuring: %s; %s\n", sr.LoadAverage[0], sr.LoadAverage[1])
	}
	if sr.DB != nil {
		fmt.Fprintf(w, "database: %.1f MiB (%s), %.0f B per session\n", float64(sr.DB.Bytes)/(1<<20), sr.DB.Detail, sr.BytesPerSession)
	}
	if len(sr.Targets) > 0 {
		fmt.Fprintln(w, "targets of issue 4 (set for 1M sessions):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, c := range sr.Targets {
			verdict := "-"
			if c.Met != nil {
				verdict = map[bool]string{true: "met", false: "NOT MET"}[*c.Met]
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Measure, c.Target, c.Measured, verdict)
		}
		tw.Flush()
	}
}

// printGrowth prints the latency growth between the first and last size.
func printGrowth(w io.Writer, g map[string]float64) {
	if len(g) == 0 {
		return
	}
	var names []string
	for name := range g {
		names = append(names, name)
	}
	slices.Sort(names)
	var parts []string
	for _, name := range names {
		verdict := "met"
		if g[name] > 1.5 {
			verdict = "NOT MET"
		}
		parts = append(parts, fmt.Sprintf("%s %.2f× (%s)", name, g[name], verdict))
	}
	fmt.Fprintf(w, "\np50 growth from the smallest to the largest size (target ≤ 1.5×): %s\n", strings.Join(parts, ", "))
}

// micros formats a CPU time per request, "" when unknown.
func micros(us float64) string {
	if us <= 0 {
		return ""
	}
	return fmt.Sprintf("%.0f", us)
}
