package cache

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// eventsMigration holds the Kubernetes events received from PKS sinks.
var eventsMigration = migration{version: 5, name: "Kubernetes events from PKS sinks", up: execSQL(schemaEvents)}

// schemaEvents: one row per event, times in Unix nanoseconds. Events are
// not a director's: they come from the clusters' sinks.
const schemaEvents = `
CREATE TABLE k8s_events (
	id         INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL, -- the frame's timestamp
	received   INTEGER NOT NULL,
	cluster    TEXT NOT NULL,
	deployment TEXT NOT NULL,
	instance   TEXT NOT NULL,
	namespace  TEXT NOT NULL,
	object     TEXT NOT NULL,
	vm_id      TEXT NOT NULL,
	class      TEXT NOT NULL,
	reason     TEXT NOT NULL,
	message    TEXT NOT NULL,
	raw        TEXT NOT NULL
);
CREATE INDEX k8s_events_received ON k8s_events (received);
CREATE INDEX k8s_events_class ON k8s_events (class, received);
`

// K8sEvent is a stored Kubernetes event.
type K8sEvent struct {
	ID         int64
	Time       time.Time
	Received   time.Time
	Cluster    string
	Deployment string
	Instance   string
	Namespace  string
	Object     string
	VMID       string
	Class      string
	Reason     string
	Message    string
	Raw        string
}

// EventRetention bounds the stored events: the newest MaxCount, none older
// than MaxAge (by time received). Zero fields mean no bound of that kind.
type EventRetention struct {
	MaxCount int
	MaxAge   time.Duration
}

// DefaultEventRetention keeps a week, at most 200,000 events.
var DefaultEventRetention = EventRetention{MaxCount: 200_000, MaxAge: 7 * 24 * time.Hour}

// SaveEvents stores events in one transaction.
func (s *Store) SaveEvents(evs []K8sEvent) error {
	if len(evs) == 0 {
		return nil
	}
	const op = "save events"
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `
			INSERT INTO k8s_events (at, received, cluster, deployment, instance, namespace, object, vm_id, class, reason, message, raw)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return s.wrap(op, err)
		}
		defer ins.Close()
		for i := range evs {
			e := &evs[i]
			if _, err := ins.ExecContext(ctx, e.Time.UnixNano(), e.Received.UnixNano(), e.Cluster, e.Deployment, e.Instance,
				e.Namespace, e.Object, e.VMID, e.Class, e.Reason, e.Message, e.Raw); err != nil {
				return s.wrap(op, err)
			}
		}
		return nil
	})
}

// PruneEvents applies the retention and returns how many events it
// removed.
func (s *Store) PruneEvents(r EventRetention, now time.Time) (int64, error) {
	if r.MaxCount < 0 || r.MaxAge < 0 {
		return 0, errors.New("cache: event retention must not be negative")
	}
	const op = "prune events"
	var removed int64
	err := s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		if r.MaxAge > 0 {
			res, err := tx.ExecContext(ctx, `DELETE FROM k8s_events WHERE received < ?`, now.Add(-r.MaxAge).UnixNano())
			if err != nil {
				return s.wrap(op, err)
			}
			n, _ := res.RowsAffected()
			removed += n
		}
		if r.MaxCount > 0 {
			res, err := tx.ExecContext(ctx, `
				DELETE FROM k8s_events WHERE id <= (
					SELECT id FROM k8s_events ORDER BY id DESC LIMIT 1 OFFSET ?)`, r.MaxCount)
			if err != nil {
				return s.wrap(op, err)
			}
			n, _ := res.RowsAffected()
			removed += n
		}
		return nil
	})
	return removed, err
}

// EventQuery selects stored events. Zero fields select everything.
type EventQuery struct {
	Since   time.Time // received at or after
	Class   string
	Cluster string // cluster name or deployment
	AfterID int64  // only events stored after this one (for following)
	Limit   int    // the newest Limit of the selection
}

// Events returns the selected events, oldest first.
func (s *Store) Events(q EventQuery) ([]K8sEvent, error) {
	const op = "read events"
	var where []string
	var args []any
	if !q.Since.IsZero() {
		where, args = append(where, "received >= ?"), append(args, q.Since.UnixNano())
	}
	if q.Class != "" {
		where, args = append(where, "class = ?"), append(args, q.Class)
	}
	if q.Cluster != "" {
		where, args = append(where, "(cluster = ? OR deployment = ?)"), append(args, q.Cluster, q.Cluster)
	}
	if q.AfterID > 0 {
		where, args = append(where, "id > ?"), append(args, q.AfterID)
	}
	query := `SELECT id, at, received, cluster, deployment, instance, namespace, object, vm_id, class, reason, message, raw FROM k8s_events`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	var out []K8sEvent
	err := s.read(op, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var e K8sEvent
			var at, recv int64
			if err := rows.Scan(&e.ID, &at, &recv, &e.Cluster, &e.Deployment, &e.Instance, &e.Namespace, &e.Object,
				&e.VMID, &e.Class, &e.Reason, &e.Message, &e.Raw); err != nil {
				return s.wrap(op, err)
			}
			e.Time, e.Received = fromNanos(at), fromNanos(recv)
			out = append(out, e)
		}
		return s.wrap(op, rows.Err())
	})
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// EventWriterOptions configure an EventWriter. Zero fields take the
// defaults.
type EventWriterOptions struct {
	Retention  EventRetention // default DefaultEventRetention
	Batch      int            // events per transaction, default 1000
	FlushEvery time.Duration  // longest an event waits to be written, default 250ms
	Queue      int            // events waiting to be written, default 16384
	PruneEvery time.Duration  // default 30s
	Now        func() time.Time
}

// EventWriterStats count what an EventWriter did.
type EventWriterStats struct {
	Written int64 // stored
	Dropped int64 // refused because the queue was full
	Failed  int64 // lost to a failed write (LastErr says why)
	Pruned  int64 // removed by the retention
	LastErr error
}

// EventWriter stores events in batches from its own goroutine, so a burst
// never blocks the receiver: Add never waits; when the queue is full the
// event is dropped and counted.
type EventWriter struct {
	s     *Store
	o     EventWriterOptions
	queue chan K8sEvent
	done  chan struct{}
	once  sync.Once

	mu sync.Mutex
	st EventWriterStats
}

// NewEventWriter starts a writer on s.
func NewEventWriter(s *Store, o EventWriterOptions) *EventWriter {
	if o.Retention == (EventRetention{}) {
		o.Retention = DefaultEventRetention
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 250 * time.Millisecond
	}
	if o.Queue <= 0 {
		o.Queue = 16384
	}
	if o.PruneEvery <= 0 {
		o.PruneEvery = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &EventWriter{s: s, o: o, queue: make(chan K8sEvent, o.Queue), done: make(chan struct{})}
	go w.run()
	return w
}

// Add queues an event; false when the queue was full and the event was
// dropped (and counted). Add must not be called after Close.
func (w *EventWriter) Add(e K8sEvent) bool {
	select {
	case w.queue <- e:
		return true
	default:
		w.mu.Lock()
		w.st.Dropped++
		w.mu.Unlock()
		return false
	}
}

// Close writes what is queued, applies the retention once more and
// stops.
func (w *EventWriter) Close() error {
	w.once.Do(func() { close(w.queue) })
	<-w.done
	return w.Stats().LastErr
}

// Stats returns the counters.
func (w *EventWriter) Stats() EventWriterStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st
}

func (w *EventWriter) run() {
	defer close(w.done)
	tick := time.NewTicker(w.o.FlushEvery)
	defer tick.Stop()
	batch := make([]K8sEvent, 0, w.o.Batch)
	lastPrune := w.o.Now()
	flush := func() {
		if len(batch) > 0 {
			err := w.s.SaveEvents(batch)
			w.mu.Lock()
			if err != nil {
				w.st.Failed += int64(len(batch))
				w.st.LastErr = err
			} else {
				w.st.Written += int64(len(batch))
			}
			w.mu.Unlock()
			batch = batch[:0]
		}
		if now := w.o.Now(); now.Sub(lastPrune) >= w.o.PruneEvery {
			w.prune(now)
			lastPrune = now
		}
	}
	for {
		select {
		case e, ok := <-w.queue:
			if !ok {
				flush()
				w.prune(w.o.Now())
				return
			}
			batch = append(batch, e)
			if len(batch) >= w.o.Batch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

func (w *EventWriter) prune(now time.Time) {
	n, err := w.s.PruneEvents(w.o.Retention, now)
	w.mu.Lock()
	w.st.Pruned += n
	if err != nil {
		w.st.LastErr = err
	}
	w.mu.Unlock()
}
