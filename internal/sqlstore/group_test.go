package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/trafficmirror/trafficmirror/internal/mirror"
)

// holdWriter runs a write transaction that waits until the returned
// function is called, so that the writes started meanwhile queue up and run
// in one batch after it.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, done := make(chan struct{}), make(chan struct{})
	releaseCh := make(chan struct{})
	go func() {
		defer close(done)
		err := s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
			close(started)
			<-releaseCh
			return nil
		})
		if err != nil {
			t.Errorf("holding the writer: %v", err)
		}
	}()
	<-started
	return func() {
		close(releaseCh)
		<-done
	}
}

// waitQueued waits until n writes are queued for the next batch.
func waitQueued(s *Store, n int) {
	for s.group.queued() < n {
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommit runs many creates in one batch, some of which fail: the
// checks of each see the writes of those before it in the batch, the
// failed ones leave nothing behind, and exactly the successful ones are
// stored (openTest's cleanup checks the counters and session_sources).
func TestGroupCommit(t *testing.T) {
	s := openTest(t, mirror.Limits{SourcesPerSession: 10, SessionsPerSource: 3})
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	shared := uuidOf(1)
	type call struct {
		sess mirror.Session
		got  mirror.Session
		err  error
	}
	var calls []*call
	newSession := func(filterID string, priority int, sources ...string) mirror.Session {
		return mirror.Session{ProjectID: project, Name: "s", FilterID: filterID, Sources: sources,
			TargetID: fmt.Sprintf("00000000-0000-4000-a000-%012d", 1000+len(calls)), TargetType: "eni",
			VirtualNetworkID: 1, PacketLength: 96, Priority: priority, Type: "eni"}
	}
	// 10 sessions share a source that may be in 3 sessions: 3 pass,
	// whichever come first in the batch.
	for i := range 10 {
		calls = append(calls, &call{sess: newSession(f.ID, 100+i, uuidOf(100+i), shared)})
	}
	// 10 sessions of their own sources: all pass.
	for i := range 10 {
		calls = append(calls, &call{sess: newSession(f.ID, 1, uuidOf(200+i))})
	}
	// 5 of a filter that does not exist: all fail.
	for i := range 5 {
		calls = append(calls, &call{sess: newSession(uuidOf(999), 1, uuidOf(300+i))})
	}

	batches, _ := s.group.stats()
	release := holdWriter(t, s)
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() { c.got, c.err = s.CreateSession(ctx, c.sess) })
	}
	// 3 writes that fail after writing: their savepoints undo the writes.
	failed := make([]error, 3)
	for i := range failed {
		wg.Go(func() {
			failed[i] = s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
				if _, err := t.exec(ctx, `INSERT INTO filters (project_pk, id, name, description, created_at, updated_at)
	VALUES (?, ?, 'leak', '', 0, 0)`, t.pk, fmt.Sprint("leak-", i)); err != nil {
					return err
				}
				return mirror.FilterQuota()
			})
		})
	}
	waitQueued(s, len(calls)+len(failed))
	release()
	wg.Wait()
	after, last := s.group.stats()
	if last != len(calls)+len(failed) {
		t.Errorf("last batch had %d requests, want %d", last, len(calls)+len(failed))
	}
	for i, err := range failed {
		if mirror.ErrorCode(err) != mirror.CodeFilterQuota {
			t.Errorf("failing write %d = %v, want %s", i, err, mirror.CodeFilterQuota)
		}
	}
	if fp, err := s.ListFilters(ctx, project, mirror.FilterQuery{}); err != nil || len(fp.Items) != 1 {
		t.Errorf("ListFilters = %d filters, %v; want 1: the failed writes left theirs", len(fp.Items), err)
	}
	if got := after - batches; got != 2 {
		t.Errorf("%d batches ran, want 2 (the one holding the writer, then the creates)", got)
	}

	outcomes := map[string]int{}
	var stored []string
	for _, c := range calls {
		if c.err != nil {
			outcomes[mirror.ErrorCode(c.err)]++
			continue
		}
		outcomes["ok"]++
		stored = append(stored, c.got.ID)
		got, err := s.GetSession(ctx, project, c.got.ID)
		if err != nil {
			t.Errorf("GetSession(%s) = %v", c.got.ID, err)
		} else if diff := cmp.Diff(c.got, got); diff != "" {
			t.Errorf("stored session differs from the created one (-created +stored):\n%s", diff)
		}
	}
	want := map[string]int{"ok": 13, mirror.CodeSessionsPerSourceQuota: 7, mirror.CodeFilterNotFound: 5}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	p, err := s.ListSessions(ctx, project, mirror.SessionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, sess := range p.Items {
		listed = append(listed, sess.ID)
	}
	slices.Sort(stored)
	if diff := cmp.Diff(stored, listed); diff != "" {
		t.Errorf("stored sessions (-created +listed):\n%s", diff)
	}
}

// TestGroupCommitFailure makes the COMMIT of a batch fail: every request of
// the batch gets an error, none of them is stored, and the writer serves
// the next write.
func TestGroupCommitFailure(t *testing.T) {
	s := openTest(t, mirror.Limits{})
	f, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, s)
	const n = 8
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: fmt.Sprint("g", i)})
		})
	}
	// A write whose foreign key is only checked at COMMIT, which fails.
	wg.Go(func() {
		errs[n] = s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
			if _, err := t.exec(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
				return err
			}
			_, err := t.exec(ctx, `INSERT INTO filter_rules (project_pk, id, filter_id, direction, description,
	source_cidr, destination_cidr, source_port_range, destination_port_range, ethertype, protocol, action,
	priority, created_at, updated_at) VALUES (?, 'r', 'no-such-filter', 'ingress', '', '', '', '', '', 'IPv4', 'tcp', 'accept', 1, 0, 0)`, t.pk)
			return err
		})
	})
	waitQueued(s, n+1)
	release()
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("write %d of a batch whose COMMIT failed = nil, want an error", i)
		}
	}
	p, err := s.ListFilters(ctx, project, mirror.FilterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Items[0].ID != f.ID {
		t.Errorf("filters after the failed batch = %d, want only the first one", len(p.Items))
	}
	if _, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "after"}); err != nil {
		t.Errorf("CreateFilter after the failed batch = %v", err)
	}
}

// TestGroupCommitCanceled: a request whose context ended before its batch
// started is not run; the others of the batch are.
func TestGroupCommitCanceled(t *testing.T) {
	s := openTest(t, mirror.Limits{})
	release := holdWriter(t, s)
	canceled, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var errCanceled, errOther error
	wg.Go(func() {
		_, errCanceled = s.CreateFilter(canceled, mirror.Filter{ProjectID: project, Name: "canceled"})
	})
	wg.Go(func() { _, errOther = s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "other"}) })
	waitQueued(s, 2)
	cancel()
	release()
	wg.Wait()
	if errCanceled == nil {
		t.Errorf("CreateFilter with a context canceled in the queue = nil, want an error")
	}
	if errOther != nil {
		t.Errorf("CreateFilter in the same batch = %v", errOther)
	}
	p, err := s.ListFilters(ctx, project, mirror.FilterQuery{})
	if err != nil || len(p.Items) != 1 || p.Items[0].Name != "other" {
		t.Errorf("ListFilters = %d filters, %v; want the other one only", len(p.Items), err)
	}
}

// TestGroupCommitPanic makes a write panic after writing: its request gets
// an error, its writes are undone, the others of its batch are stored, and
// the process goes on (the panic is on the committer's goroutine).
func TestGroupCommitPanic(t *testing.T) {
	s := openTest(t, mirror.Limits{})
	release := holdWriter(t, s)
	var wg sync.WaitGroup
	var panicErr, okErr error
	wg.Go(func() {
		panicErr = s.inTx(ctx, project, func(ctx context.Context, t *tx) error {
			if _, err := t.exec(ctx, `INSERT INTO filters (project_pk, id, name, description, created_at, updated_at)
	VALUES (?, 'leak', 'leak', '', 0, 0)`, t.pk); err != nil {
				return err
			}
			panic("store bug")
		})
	})
	waitQueued(s, 1)
	wg.Go(func() {
		_, okErr = s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "kept"})
	})
	waitQueued(s, 2)
	release()
	wg.Wait()
	if panicErr == nil || !strings.Contains(panicErr.Error(), "store bug") {
		t.Errorf("the panicking write = %v, want an error naming the panic", panicErr)
	}
	if okErr != nil {
		t.Errorf("the other write of the batch = %v", okErr)
	}
	p, err := s.ListFilters(ctx, project, mirror.FilterQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Items[0].Name != "kept" {
		t.Errorf("filters after the batch = %+v, want only %q", p.Items, "kept")
	}
}

// TestGroupCommitStopped checks that a write reaching the committer after
// it stopped (a request racing Close) is refused as unavailable, a 503.
func TestGroupCommitStopped(t *testing.T) {
	s := openTest(t, mirror.Limits{})
	s.group.stop()
	_, err := s.CreateFilter(ctx, mirror.Filter{ProjectID: project, Name: "late"})
	if mirror.ErrorKind(err) != mirror.KindUnavailable {
		t.Errorf("a write after the committer stopped = %v, want kind unavailable", err)
	}
}
