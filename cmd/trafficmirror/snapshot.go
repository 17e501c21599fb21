package main

// The snapshot file, version 1 (docs/snapshots.md): JSON Lines in UTF-8.
// The first line is the header, then comes one resource a line (filters,
// then filter rules, then sessions, so that each refers only to lines before
// it), and the last line is the end, which carries the counts and the
// checksum so that a truncated file is never taken for a whole one:
//
//	{"format":"trafficmirror-snapshot","version":1,"created_at":"…","counts":{"filters":1,"filter_rules":1,"sessions":1}}
//	{"filter":{"id":"…","project_id":"…","name":"web","description":"","type":"eni","created_at":"…","updated_at":"…"}}
//	{"filter_rule":{"id":"…","project_id":"…","traffic_mirror_filter_id":"…","direction":"ingress",…}}
//	{"session":{"id":"…","project_id":"…","name":"s1",…,"traffic_mirror_sources":["…"],…}}
//	{"end":{"counts":{"filters":1,"filter_rules":1,"sessions":1},"checksum":"sha256-sum:…"}}
//
// One line at a time is in memory, writing or reading.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

const (
	snapshotFormat  = "trafficmirror-snapshot"
	snapshotVersion = 1
	// snapshotTimeLayout is RFC 3339 with milliseconds, the precision of
	// the store; times are written in UTC.
	snapshotTimeLayout = "2006-01-02T15:04:05.000Z07:00"
	// maxSnapshotLine bounds a line of a snapshot; a session line is about
	// 1 KiB.
	maxSnapshotLine = 1 << 20
	// checksumPrefix names the checksum's algorithm in the file.
	checksumPrefix = "sha256-sum:"
)

// snapshotHeader is the first line of a snapshot. Counts, when present,
// give the progress of an import its total.
type snapshotHeader struct {
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	CreatedAt string          `json:"created_at,omitempty"`
	Counts    *snapshotCounts `json:"counts,omitempty"`
}

// snapshotCounts are the numbers of resources of each kind.
type snapshotCounts struct {
	Filters     int `json:"filters"`
	FilterRules int `json:"filter_rules"`
	Sessions    int `json:"sessions"`
}

func countsOf(c sqlstore.SnapshotCounts) snapshotCounts {
	return snapshotCounts{Filters: c.Filters, FilterRules: c.FilterRules, Sessions: c.Sessions}
}

// snapshotLine is every line after the header: exactly one field is set.
type snapshotLine struct {
	Filter  *snapshotFilter  `json:"filter,omitempty"`
	Rule    *snapshotRule    `json:"filter_rule,omitempty"`
	Session *snapshotSession `json:"session,omitempty"`
	End     *snapshotEnd     `json:"end,omitempty"`
}

// snapshotEnd is the last line of a snapshot. The checksum may be left out
// of a snapshot written by hand.
type snapshotEnd struct {
	Counts   snapshotCounts `json:"counts"`
	Checksum string         `json:"checksum,omitempty"`
}

// The resources, with the field names of the API.
type (
	snapshotFilter struct {
		ID          string `json:"id"`
		ProjectID   string `json:"project_id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Type        string `json:"type"`
		CreatedAt   string `json:"created_at"`
		UpdatedAt   string `json:"updated_at"`
	}
	snapshotRule struct {
		ID                   string `json:"id"`
		ProjectID            string `json:"project_id"`
		FilterID             string `json:"traffic_mirror_filter_id"`
		Direction            string `json:"direction"`
		Description          string `json:"description"`
		SourceCIDR           string `json:"source_cidr_block"`
		DestinationCIDR      string `json:"destination_cidr_block"`
		SourcePortRange      string `json:"source_port_range"`
		DestinationPortRange string `json:"destination_port_range"`
		Ethertype            string `json:"ethertype"`
		Protocol             string `json:"protocol"`
		Action               string `json:"action"`
		Priority             int    `json:"priority"`
		CreatedAt            string `json:"created_at"`
		UpdatedAt            string `json:"updated_at"`
	}
	snapshotSession struct {
		ID               string   `json:"id"`
		ProjectID        string   `json:"project_id"`
		Name             string   `json:"name"`
		Description      string   `json:"description"`
		FilterID         string   `json:"traffic_mirror_filter_id"`
		Sources          []string `json:"traffic_mirror_sources"`
		TargetID         string   `json:"traffic_mirror_target_id"`
		TargetType       string   `json:"traffic_mirror_target_type"`
		VirtualNetworkID int      `json:"virtual_network_id"`
		PacketLength     int      `json:"packet_length"`
		Priority         int      `json:"priority"`
		Enabled          bool     `json:"enabled"`
		Type             string   `json:"type"`
		CreatedAt        string   `json:"created_at"`
		UpdatedAt        string   `json:"updated_at"`
	}
)

func formatTime(t time.Time) string { return t.UTC().Format(snapshotTimeLayout) }

// parseTime reads a time of a snapshot: RFC 3339, in any zone.
func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: want an RFC 3339 time such as 2024-03-14T08:44:12.345Z, got %q", field, s)
	}
	return t.UTC(), nil
}

// encodeItem returns the line of a resource, without its newline. It is
// also the resource's canonical form for the checksum: the same resource
// always gives the same bytes.
func encodeItem(item sqlstore.SnapshotItem) ([]byte, error) {
	var line snapshotLine
	switch {
	case item.Filter != nil:
		f := item.Filter
		line.Filter = &snapshotFilter{ID: f.ID, ProjectID: f.ProjectID, Name: f.Name, Description: f.Description,
			Type: f.Type, CreatedAt: formatTime(f.CreatedAt), UpdatedAt: formatTime(f.UpdatedAt)}
	case item.Rule != nil:
		r := item.Rule
		line.Rule = &snapshotRule{ID: r.ID, ProjectID: r.ProjectID, FilterID: r.FilterID, Direction: r.Direction,
			Description: r.Description, SourceCIDR: r.SourceCIDR, DestinationCIDR: r.DestinationCIDR,
			SourcePortRange: r.SourcePortRange, DestinationPortRange: r.DestinationPortRange, Ethertype: r.Ethertype,
			Protocol: r.Protocol, Action: r.Action, Priority: r.Priority,
			CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTime(r.UpdatedAt)}
	case item.Session != nil:
		s := item.Session
		sources := s.Sources
		if sources == nil {
			sources = []string{}
		}
		line.Session = &snapshotSession{ID: s.ID, ProjectID: s.ProjectID, Name: s.Name, Description: s.Description,
			FilterID: s.FilterID, Sources: sources, TargetID: s.TargetID, TargetType: s.TargetType,
			VirtualNetworkID: s.VirtualNetworkID, PacketLength: s.PacketLength, Priority: s.Priority,
			Enabled: s.Enabled, Type: s.Type, CreatedAt: formatTime(s.CreatedAt), UpdatedAt: formatTime(s.UpdatedAt)}
	default:
		return nil, errors.New("snapshot item without a resource")
	}
	return json.Marshal(line)
}

// decodeItem returns the resource of a line that is not the end.
func decodeItem(line snapshotLine) (sqlstore.SnapshotItem, error) {
	var errs []error
	when := func(field, s string) time.Time {
		t, err := parseTime(field, s)
		errs = append(errs, err)
		return t
	}
	var item sqlstore.SnapshotItem
	switch {
	case line.Filter != nil:
		f := line.Filter
		item.Filter = &mirror.Filter{ID: f.ID, ProjectID: f.ProjectID, Name: f.Name, Description: f.Description,
			Type: f.Type, CreatedAt: when("created_at", f.CreatedAt), UpdatedAt: when("updated_at", f.UpdatedAt)}
	case line.Rule != nil:
		r := line.Rule
		item.Rule = &mirror.FilterRule{ID: r.ID, ProjectID: r.ProjectID, FilterID: r.FilterID, Direction: r.Direction,
			Description: r.Description, SourceCIDR: r.SourceCIDR, DestinationCIDR: r.DestinationCIDR,
			SourcePortRange: r.SourcePortRange, DestinationPortRange: r.DestinationPortRange, Ethertype: r.Ethertype,
			Protocol: r.Protocol, Action: r.Action, Priority: r.Priority,
			CreatedAt: when("created_at", r.CreatedAt), UpdatedAt: when("updated_at", r.UpdatedAt)}
	case line.Session != nil:
		s := line.Session
		sources := s.Sources
		if sources == nil {
			sources = []string{}
		}
		item.Session = &mirror.Session{ID: s.ID, ProjectID: s.ProjectID, Name: s.Name, Description: s.Description,
			FilterID: s.FilterID, Sources: sources, TargetID: s.TargetID, TargetType: s.TargetType,
			VirtualNetworkID: s.VirtualNetworkID, PacketLength: s.PacketLength, Priority: s.Priority,
			Enabled: s.Enabled, Type: s.Type, CreatedAt: when("created_at", s.CreatedAt), UpdatedAt: when("updated_at", s.UpdatedAt)}
	}
	return item, errors.Join(errs...)
}

// checksum is the digest of a set of resources: the sum, modulo 2^256, of
// the SHA-256 of each resource's canonical line. A sum does not depend on
// the order of the resources, and the checksum of two sets together is the
// sum of theirs: the copy of a snapshot into a database that held other
// resources is verified as before + snapshot = after. It detects lost,
// added and changed resources; it is not meant to resist forgery.
type checksum [sha256.Size]byte

// add adds the resource of line to c.
func (c *checksum) add(line []byte) {
	*c = c.plus(sha256.Sum256(line))
}

// plus returns c + d modulo 2^256, both big-endian numbers.
func (c checksum) plus(d checksum) checksum {
	var sum checksum
	carry := 0
	for i := len(c) - 1; i >= 0; i-- {
		v := int(c[i]) + int(d[i]) + carry
		sum[i], carry = byte(v), v>>8
	}
	return sum
}

func (c checksum) String() string { return checksumPrefix + hex.EncodeToString(c[:]) }

// tally is what is known of a set of resources: the counts and the
// checksum.
type tally struct {
	counts sqlstore.SnapshotCounts
	sum    checksum
}

// add counts item and returns its line.
func (t *tally) add(item sqlstore.SnapshotItem) ([]byte, error) {
	line, err := encodeItem(item)
	if err != nil {
		return nil, err
	}
	t.counts.Count(item)
	t.sum.add(line)
	return line, nil
}

func (t tally) plus(u tally) tally {
	return tally{counts: t.counts.Add(u.counts), sum: t.sum.plus(u.sum)}
}

func (t tally) String() string {
	return fmt.Sprintf("%s, checksum %s", describeCounts(t.counts), t.sum)
}

// describeCounts says how many resources of each kind counts has.
func describeCounts(c sqlstore.SnapshotCounts) string {
	return fmt.Sprintf("%d filters, %d filter rules, %d sessions", c.Filters, c.FilterRules, c.Sessions)
}

// tallyOf exports everything s holds and returns its tally.
func tallyOf(ctx context.Context, s *sqlstore.Store, p *progress) (tally, error) {
	var t tally
	err := s.Export(ctx, func(c sqlstore.SnapshotCounts) error {
		p.setTotal(c.Total())
		return nil
	}, func(item sqlstore.SnapshotItem) error {
		p.add(1)
		_, err := t.add(item)
		return err
	})
	p.finish()
	return t, err
}

// snapshotWriter writes a snapshot.
type snapshotWriter struct {
	w     *bufio.Writer
	tally tally
}

func newSnapshotWriter(w io.Writer) *snapshotWriter {
	return &snapshotWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// begin writes the header.
func (sw *snapshotWriter) begin(c sqlstore.SnapshotCounts, now time.Time) error {
	counts := countsOf(c)
	return sw.writeJSON(snapshotHeader{Format: snapshotFormat, Version: snapshotVersion,
		CreatedAt: formatTime(now), Counts: &counts})
}

// item writes the line of a resource.
func (sw *snapshotWriter) item(item sqlstore.SnapshotItem) error {
	line, err := sw.tally.add(item)
	if err != nil {
		return err
	}
	sw.w.Write(line)
	return sw.w.WriteByte('\n')
}

// end writes the end line and flushes.
func (sw *snapshotWriter) end() error {
	if err := sw.writeJSON(snapshotLine{End: &snapshotEnd{Counts: countsOf(sw.tally.counts), Checksum: sw.tally.sum.String()}}); err != nil {
		return err
	}
	return sw.w.Flush()
}

func (sw *snapshotWriter) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sw.w.Write(b)
	return sw.w.WriteByte('\n')
}

// snapshotReader reads a snapshot line by line.
type snapshotReader struct {
	sc     *bufio.Scanner
	line   int
	header snapshotHeader
	tally  tally
	ended  bool
}

// newSnapshotReader reads the header of the snapshot in r.
func newSnapshotReader(r io.Reader) (*snapshotReader, error) {
	sr := &snapshotReader{sc: bufio.NewScanner(r)}
	sr.sc.Buffer(make([]byte, 64<<10), maxSnapshotLine)
	text, err := sr.nextLine()
	if err != nil {
		return nil, err
	}
	if text == nil {
		return nil, errors.New("the snapshot is empty")
	}
	// The format first, so that another file gets a plain answer.
	var kind struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(text, &kind); err != nil || kind.Format != snapshotFormat {
		return nil, fmt.Errorf("not a trafficmirror snapshot: line 1 must be a JSON object with \"format\":%q", snapshotFormat)
	}
	if kind.Version != snapshotVersion {
		return nil, fmt.Errorf("snapshot version %d: this trafficmirror reads version %d", kind.Version, snapshotVersion)
	}
	if err := decodeStrict(text, &sr.header); err != nil {
		return nil, fmt.Errorf("snapshot line 1: %v", err)
	}
	return sr, nil
}

// nextLine returns the next line that is not blank, or nil at the end of
// the input.
func (sr *snapshotReader) nextLine() ([]byte, error) {
	for sr.sc.Scan() {
		sr.line++
		if text := bytes.TrimSpace(sr.sc.Bytes()); len(text) > 0 {
			return text, nil
		}
	}
	if err := sr.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("snapshot line %d: longer than %d bytes", sr.line+1, maxSnapshotLine)
		}
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return nil, nil
}

// decodeStrict decodes one JSON value, refusing unknown fields: a typing
// error in a snapshot written by hand must not pass silently.
func decodeStrict(text []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(text))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

// total returns the number of resources the header announces, 0 when it
// does not say.
func (sr *snapshotReader) total() int {
	if c := sr.header.Counts; c != nil {
		return c.Filters + c.FilterRules + c.Sessions
	}
	return 0
}

// next returns the next resource; at the end line it checks the counts and
// the checksum, and that nothing follows. A snapshot without its end line
// is an error: it was cut short.
func (sr *snapshotReader) next() (sqlstore.SnapshotItem, bool, error) {
	if sr.ended {
		return sqlstore.SnapshotItem{}, false, nil
	}
	text, err := sr.nextLine()
	if err != nil {
		return sqlstore.SnapshotItem{}, false, err
	}
	if text == nil {
		return sqlstore.SnapshotItem{}, false, fmt.Errorf("the snapshot ends after line %d without its end line: it is incomplete", sr.line)
	}
	fail := func(format string, args ...any) (sqlstore.SnapshotItem, bool, error) {
		return sqlstore.SnapshotItem{}, false, fmt.Errorf("snapshot line %d: %s", sr.line, fmt.Sprintf(format, args...))
	}
	var line snapshotLine
	if err := decodeStrict(text, &line); err != nil {
		return fail("%v", err)
	}
	set := 0
	for _, p := range []bool{line.Filter != nil, line.Rule != nil, line.Session != nil, line.End != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return fail("want an object with one key: filter, filter_rule, session or end")
	}
	if line.End != nil {
		return sr.end(*line.End)
	}
	item, err := decodeItem(line)
	if err != nil {
		return fail("%v", err)
	}
	if _, err := sr.tally.add(item); err != nil {
		return fail("%v", err)
	}
	return item, true, nil
}

// end checks the end line and that nothing follows it.
func (sr *snapshotReader) end(e snapshotEnd) (sqlstore.SnapshotItem, bool, error) {
	if got := countsOf(sr.tally.counts); got != e.Counts {
		return sqlstore.SnapshotItem{}, false, fmt.Errorf("snapshot line %d: the end line counts %s, the snapshot has %s",
			sr.line, describeCounts(sqlstore.SnapshotCounts(e.Counts)), describeCounts(sr.tally.counts))
	}
	if e.Checksum != "" && e.Checksum != sr.tally.sum.String() {
		return sqlstore.SnapshotItem{}, false, fmt.Errorf("snapshot line %d: checksum %s, the snapshot's resources give %s: the file was changed or damaged",
			sr.line, e.Checksum, sr.tally.sum)
	}
	text, err := sr.nextLine()
	if err != nil {
		return sqlstore.SnapshotItem{}, false, err
	}
	if text != nil {
		return sqlstore.SnapshotItem{}, false, fmt.Errorf("snapshot line %d: nothing may follow the end line", sr.line)
	}
	sr.ended = true
	return sqlstore.SnapshotItem{}, false, nil
}

// bulkCommand is what export, import and migrate share: their flags, with
// --help on stdout.
type bulkCommand struct {
	fs     *flag.FlagSet
	stdout io.Writer
	quiet  bool
}

func newBulkCommand(name, synopsis, example string, stdout, stderr io.Writer) *bulkCommand {
	c := &bulkCommand{fs: flag.NewFlagSet(name, flag.ContinueOnError), stdout: stdout}
	c.fs.SetOutput(stderr)
	c.fs.BoolVar(&c.quiet, "quiet", false, "show no progress")
	c.fs.Usage = usageWithEnv(c.fs, synopsis, example)
	return c
}

// parse parses args with the environment fallbacks. It returns false, with
// a nil error, after printing the help that args asked for.
func (c *bulkCommand) parse(args []string, getenv func(string) string) (bool, error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			c.fs.SetOutput(c.stdout)
			c.fs.Usage()
			return false, nil
		}
	}
	if err := parseFlags(c.fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// limitFlags defines the flags of the business limits that imported data
// must keep, with the names, environment variables and defaults of serve's.
func limitFlags(fs *flag.FlagSet) *mirror.Limits {
	l := mirror.DefaultLimits()
	fs.IntVar(&l.SourcesPerSession, "max-sources-per-session", l.SourcesPerSession, "most sources one session may have")
	fs.IntVar(&l.SessionsPerSource, "max-sessions-per-source", l.SessionsPerSource, "most sessions one source may be in")
	fs.IntVar(&l.SessionsPerProject, "max-sessions-per-project", l.SessionsPerProject, "session quota of a project (0: unlimited)")
	fs.IntVar(&l.FiltersPerProject, "max-filters-per-project", l.FiltersPerProject, "filter quota of a project (0: unlimited)")
	fs.IntVar(&l.RulesPerFilterDirection, "max-rules-per-filter-direction", l.RulesPerFilterDirection, "most rules per filter and direction")
	return &l
}

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c := newBulkCommand("export", "trafficmirror export [flags] > snapshot.json",
		`  trafficmirror export --db ./trafficmirror.db > snapshot.json
  trafficmirror export --db 'postgres://tm@db.internal:5432/trafficmirror?sslmode=require' | gzip > backup.json.gz

Writes every filter, filter rule and session of every project, with IDs and
timestamps, as a snapshot on standard output (format: docs/snapshots.md),
read from one consistent state of the database. Progress goes to standard
error.`, stdout, stderr)
	db := c.fs.String("db", "trafficmirror.db", "database to export: a SQLite file path, sqlite:PATH, or a PostgreSQL URL")
	if ok, err := c.parse(args, getenv); !ok {
		return err
	}
	store, err := sqlstore.Open(ctx, *db, sqlstore.Options{MustExist: true})
	if err != nil {
		return fmt.Errorf("open database %s: %w", sqlstore.Redact(*db), err)
	}
	defer store.Close()

	p := newProgress(stderr, "exporting", c.quiet)
	sw := newSnapshotWriter(stdout)
	err = store.Export(ctx, func(counts sqlstore.SnapshotCounts) error {
		p.setTotal(counts.Total())
		return sw.begin(counts, time.Now())
	}, func(item sqlstore.SnapshotItem) error {
		p.add(1)
		return sw.item(item)
	})
	if err == nil {
		err = sw.end()
	}
	p.finish()
	if err != nil {
		return fmt.Errorf("export %s: %w", sqlstore.Redact(*db), err)
	}
	fmt.Fprintf(stderr, "Exported %s.\n", sw.tally)
	return nil
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := newBulkCommand("import", "trafficmirror import [flags] < snapshot.json",
		`  trafficmirror import --db ./trafficmirror.db < snapshot.json
  gunzip < backup.json.gz | trafficmirror import --db 'postgres://tm@db.internal:5432/trafficmirror?sslmode=require'

Reads a snapshot (written by trafficmirror export; format: docs/snapshots.md)
on standard input and stores all of it in one transaction, with its IDs and
timestamps, or nothing: a snapshot that is incomplete, damaged, has an ID the
database has, or breaks a rule or a limit is refused, naming the resource at
fault. Give the limits the server runs with. A database that already holds
resources is refused unless --allow-non-empty.`, stdout, stderr)
	db := c.fs.String("db", "trafficmirror.db", "database to import into, created if needed: a SQLite file path, sqlite:PATH, or a PostgreSQL URL")
	allowNonEmpty := c.fs.Bool("allow-non-empty", false, "add to a database that already holds resources (IDs that exist are still refused)")
	limits := limitFlags(c.fs)
	if ok, err := c.parse(args, getenv); !ok {
		return err
	}
	if err := checkLimits(*limits); err != nil {
		return err
	}
	if f, ok := stdin.(*os.File); ok && isTerminal(f) && !c.quiet {
		// Perhaps a terminal, where nothing would seem to happen; /dev/null
		// is a character device too, so only a hint.
		fmt.Fprintf(stderr, "Reading a snapshot on standard input (trafficmirror import --db %s < snapshot.json)...\n", *db)
	}
	sr, err := newSnapshotReader(stdin)
	if err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, *db, sqlstore.Options{Limits: *limits})
	if err != nil {
		return fmt.Errorf("open database %s: %w", sqlstore.Redact(*db), err)
	}
	defer store.Close()

	p := newProgress(stderr, "importing", c.quiet)
	p.setTotal(sr.total())
	counts, err := store.Import(ctx, func() (sqlstore.SnapshotItem, bool, error) {
		item, ok, err := sr.next()
		if ok {
			p.add(1)
		}
		return item, ok, err
	}, sqlstore.ImportOptions{AllowNonEmpty: *allowNonEmpty})
	p.finish()
	if err != nil {
		return fmt.Errorf("import into %s: %w%s", sqlstore.Redact(*db), err, importHint(ctx, err, "--allow-non-empty"))
	}
	fmt.Fprintf(stdout, "Imported %s into %s.\n", describeCounts(counts), sqlstore.Redact(*db))
	return nil
}

// importHint adds to the error of an import what to do about it.
func importHint(ctx context.Context, err error, allowFlag string) string {
	switch {
	case ctx.Err() != nil:
		return "\ninterrupted: nothing was written (the copy is one transaction); run it again"
	case errors.Is(err, sqlstore.ErrNotEmpty):
		return fmt.Sprintf("\nnothing was written; to add to the resources it holds, use %s", allowFlag)
	case errors.Is(err, sqlstore.ErrIDExists), errors.Is(err, sqlstore.ErrInvalidSnapshot):
		return "\nnothing was written"
	}
	return "\nnothing was written (the copy is one transaction)"
}
