package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// cckHistoryMigration adds the history of cloud-check scans and
// resolutions.
var cckHistoryMigration = migration{version: 4, name: "cloud-check history", up: execSQL(schemaCCKHistory)}

// schemaCCKHistory: kind is "scan" or "resolve"; at is Unix nanoseconds;
// user_name is the director user bosun was authenticated as; task_id is 0
// when no director task ran; problems counts those found (scan) or
// answered (resolve), resolved those the director applied without error;
// actions is a JSON array of CCKAction. The CREATE text is kept short: it
// is stored in the schema page.
const schemaCCKHistory = `
CREATE TABLE cck_history (
	id INTEGER PRIMARY KEY,
	director_uuid TEXT NOT NULL,
	deployment TEXT NOT NULL,
	kind TEXT NOT NULL,
	at INTEGER NOT NULL,
	user_name TEXT NOT NULL,
	task_id INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	problems INTEGER NOT NULL,
	resolved INTEGER NOT NULL,
	error TEXT NOT NULL,
	actions TEXT NOT NULL
);
CREATE INDEX cck_history_dep ON cck_history (director_uuid, deployment, at);
`

// Kinds of cloud-check history records.
const (
	CCKScan    = "scan"
	CCKResolve = "resolve"
)

// Outcomes of cloud-check history records.
const (
	CCKClean    = "clean"    // scan found no problem
	CCKProblems = "problems" // scan found problems
	CCKResolved = "resolved" // every answered problem was resolved
	CCKPartial  = "partial"  // some resolutions failed or were skipped
	CCKFailed   = "failed"   // the scan or the resolution did not happen (or failed as a whole)
)

// CCKRecord is one scan or resolution of a deployment.
type CCKRecord struct {
	ID         int64       `json:"-"`
	Deployment string      `json:"deployment"`
	Kind       string      `json:"kind"`
	At         time.Time   `json:"at"`
	User       string      `json:"user"`
	TaskID     int         `json:"task_id"`
	Outcome    string      `json:"outcome"`
	Problems   int         `json:"problems"`
	Resolved   int         `json:"resolved"`
	Error      string      `json:"error"`
	Actions    []CCKAction `json:"actions"`
}

// CCKAction is one problem of a record: found by a scan, or answered in a
// resolution with what became of it.
type CCKAction struct {
	ProblemID  int    `json:"id"`
	Type       string `json:"type"`
	Instance   string `json:"instance"`
	Resolution string `json:"resolution"`
	Result     string `json:"result"` // resolve: "applied", "failed: …", "skipped", "not applied"
}

const maxHistoryError = 2000

// RecordCCK appends a scan or resolution to the history of director uuid.
func (s *Store) RecordCCK(uuid string, r CCKRecord) error {
	switch {
	case uuid == "":
		return errors.New("cache: record cloud-check: empty director uuid")
	case r.Deployment == "":
		return errors.New("cache: record cloud-check: empty deployment")
	case r.Kind != CCKScan && r.Kind != CCKResolve:
		return fmt.Errorf("cache: record cloud-check: kind %q is neither %q nor %q", r.Kind, CCKScan, CCKResolve)
	case r.Outcome == "":
		return errors.New("cache: record cloud-check: empty outcome")
	}
	if err := checkTime(r.At); err != nil {
		return fmt.Errorf("cache: record cloud-check of %s: %w", r.Deployment, err)
	}
	actions := r.Actions
	if actions == nil {
		actions = []CCKAction{}
	}
	aj, err := json.Marshal(actions)
	if err != nil {
		return fmt.Errorf("cache: record cloud-check of %s: %w", r.Deployment, err)
	}
	msg := r.Error
	if len(msg) > maxHistoryError {
		msg = msg[:maxHistoryError] + "…"
	}
	op := "record cloud-check of " + r.Deployment
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO cck_history (director_uuid, deployment, kind, at, user_name, task_id, outcome,
				problems, resolved, error, actions)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			uuid, r.Deployment, r.Kind, r.At.UnixNano(), r.User, r.TaskID, r.Outcome, r.Problems, r.Resolved,
			msg, string(aj))
		return s.wrap(op, err)
	})
}

const cckColumns = `id, deployment, kind, at, user_name, task_id, outcome, problems, resolved, error, actions`

// CCKHistory lists the newest records (at most limit; 0 means 20) of one
// deployment, newest first.
func (s *Store) CCKHistory(uuid, dep string, limit int) ([]CCKRecord, error) {
	if limit <= 0 {
		limit = 20
	}
	var out []CCKRecord
	err := s.read("read cloud-check history of "+dep, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+cckColumns+` FROM cck_history
			WHERE director_uuid = ? AND deployment = ? ORDER BY at DESC, id DESC LIMIT ?`, uuid, dep, limit)
		if err != nil {
			return s.wrap("read cloud-check history of "+dep, err)
		}
		out, err = s.scanCCK(rows)
		return err
	})
	return out, err
}

// LastCCKScans is the newest scan record of every deployment of director
// uuid that has one, by deployment.
func (s *Store) LastCCKScans(uuid string) (map[string]CCKRecord, error) {
	out := map[string]CCKRecord{}
	err := s.read("read last cloud-check scans", func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+cckColumns+` FROM cck_history h
			WHERE director_uuid = ? AND kind = 'scan' AND outcome != 'failed' AND id = (
				SELECT id FROM cck_history WHERE director_uuid = h.director_uuid AND deployment = h.deployment
					AND kind = 'scan' AND outcome != 'failed' ORDER BY at DESC, id DESC LIMIT 1)`, uuid)
		if err != nil {
			return s.wrap("read last cloud-check scans", err)
		}
		recs, err := s.scanCCK(rows)
		for _, r := range recs {
			out[r.Deployment] = r
		}
		return err
	})
	return out, err
}

func (s *Store) scanCCK(rows *sql.Rows) ([]CCKRecord, error) {
	defer rows.Close()
	var out []CCKRecord
	for rows.Next() {
		var r CCKRecord
		var at int64
		var aj string
		if err := rows.Scan(&r.ID, &r.Deployment, &r.Kind, &at, &r.User, &r.TaskID, &r.Outcome, &r.Problems,
			&r.Resolved, &r.Error, &aj); err != nil {
			return nil, s.wrap("read cloud-check history", err)
		}
		r.At = fromNanos(at)
		if err := json.Unmarshal([]byte(aj), &r.Actions); err != nil {
			return nil, s.corrupt("cloud-check record "+fmt.Sprint(r.ID)+" has unreadable actions: "+err.Error(), err)
		}
		if len(r.Actions) == 0 {
			r.Actions = nil
		}
		out = append(out, r)
	}
	return out, s.wrap("read cloud-check history", rows.Err())
}

// Summary is the record in a few words, e.g. "scan: 3 problems",
// "resolved 2 of 3 by admin", "scan failed: …".
func (r CCKRecord) Summary() string {
	switch {
	case r.Kind == CCKScan && r.Outcome == CCKClean:
		return "scan: no problems"
	case r.Kind == CCKScan && r.Outcome == CCKProblems:
		return "scan: " + plural(r.Problems, "problem")
	case r.Kind == CCKScan:
		return "scan failed: " + firstLineOf(r.Error)
	case r.Outcome == CCKResolved:
		return fmt.Sprintf("resolved %d by %s", r.Resolved, r.User)
	case r.Outcome == CCKPartial:
		return fmt.Sprintf("resolved %d of %d by %s", r.Resolved, r.Problems, r.User)
	}
	return fmt.Sprintf("resolution by %s failed: %s", r.User, firstLineOf(r.Error))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
