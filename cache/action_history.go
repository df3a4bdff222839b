package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// actionHistoryMigration adds the history of every action bosun ran or
// refused.
var actionHistoryMigration = migration{version: 8, name: "history of actions", up: execSQL(schemaActionHistory)}

// schemaActionHistory: one row per action. at is Unix nanoseconds (UTC);
// local_user is the operating-system user who ran bosun; director_uuid
// and director name the director (either may be empty when bosun never
// reached it, not both); targets is a JSON array of ActionTarget,
// task_ids a JSON array of director task ids; finished is 0 while the
// action is under way (its outcome then reads interrupted).
const schemaActionHistory = `
CREATE TABLE action_history (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	local_user TEXT NOT NULL,
	director_uuid TEXT NOT NULL,
	director TEXT NOT NULL,
	deployment TEXT NOT NULL,
	cluster TEXT NOT NULL,
	action TEXT NOT NULL,
	targets TEXT NOT NULL,
	outcome TEXT NOT NULL,
	command TEXT NOT NULL,
	task_ids TEXT NOT NULL,
	detail TEXT NOT NULL,
	finished INTEGER NOT NULL
);
CREATE INDEX action_history_at ON action_history (at);
`

// Outcome is what became of an action, or of one of its targets.
type Outcome string

// The outcomes of an action.
const (
	OutcomeApplied     Outcome = "applied"     // the change was made
	OutcomeUnchanged   Outcome = "unchanged"   // nothing needed changing
	OutcomeFailed      Outcome = "failed"      // the change was attempted and failed
	OutcomeRolledBack  Outcome = "rolled_back" // the change failed and was undone
	OutcomeCancelled   Outcome = "cancelled"   // the operator declined or cancelled it
	OutcomeInterrupted Outcome = "interrupted" // a signal or a crash stopped it
	OutcomeRefused     Outcome = "refused"     // bosun refused it (--read-only, --offline, no --yes)
)

// Outcomes lists every outcome, in the order above.
var Outcomes = []Outcome{OutcomeApplied, OutcomeUnchanged, OutcomeFailed, OutcomeRolledBack,
	OutcomeCancelled, OutcomeInterrupted, OutcomeRefused}

// Valid reports whether o is one of Outcomes.
func (o Outcome) Valid() bool {
	for _, v := range Outcomes {
		if o == v {
			return true
		}
	}
	return false
}

// InProgressDetail is the detail of an action recorded before it starts
// changing anything, until UpdateAction completes the record.
const InProgressDetail = "in progress"

// Action is one action bosun ran or refused.
//
// An action of several steps is recorded before its first step, with
// Finished false: such a record is stored with outcome interrupted (and
// detail InProgressDetail unless one is given), so a process killed
// before it completes the record leaves an interrupted action behind.
// UpdateAction then records progress and, with Finished true, the final
// outcome. A one-step action, or a refusal, is recorded once with Finished
// true.
type Action struct {
	ID           int64          `json:"id"`
	Time         time.Time      `json:"time"`          // when the action started (stored in UTC)
	User         string         `json:"user"`          // the local user
	Director     string         `json:"director"`      // the director's name, or the environment bosun was pointed at
	DirectorUUID string         `json:"director_uuid"` // "" when bosun never reached the director
	Deployment   string         `json:"deployment"`
	Cluster      string         `json:"cluster"`
	Action       string         `json:"action"` // a short verb: "cck resolve", "audit enable", "ssh", "restart", ...
	Targets      []ActionTarget `json:"targets"`
	Outcome      Outcome        `json:"outcome"`
	Command      string         `json:"command"` // the equivalent bosh/tkgi/manual command line
	TaskIDs      []int64        `json:"task_ids"`
	Detail       string         `json:"detail"` // one line
	Finished     bool           `json:"finished"`
}

// ActionTarget is one target of an action (an instance, a master, a
// problem) and what became of it; Outcome is "" for a target the action
// did not reach (yet).
type ActionTarget struct {
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
}

// HistoryFilter selects actions. Zero fields select everything.
type HistoryFilter struct {
	Director   string // director name or UUID
	Deployment string
	Cluster    string
	Since      time.Time // at or after
	Limit      int       // the newest Limit; 0: all
}

// ErrNoAction is returned by UpdateAction for an id the history does not
// hold.
var ErrNoAction = errors.New("cache: no such action")

// ErrActionFinished is returned by UpdateAction for a record already
// completed: a finished record is final.
var ErrActionFinished = errors.New("cache: the action's record is already complete")

// maxActionText bounds the stored command and detail.
const maxActionText = 2000

// RecordAction appends a to the history and returns its id (a.ID is
// ignored). Secrets that look like one (values of --*secret*/--*password*/
// --*token* flags, NAME_SECRET=... assignments, credentials in URLs,
// bearer tokens) are replaced by <redacted> in the command and detail.
func (s *Store) RecordAction(ctx context.Context, a Action) (int64, error) {
	row, err := actionRow(a)
	if err != nil {
		return 0, fmt.Errorf("cache: record action: %w", err)
	}
	const op = "record action"
	var id int64
	err = s.writeContext(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO action_history (at, local_user, director_uuid, director, deployment, cluster, action,
				targets, outcome, command, task_ids, detail, finished)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, row...).Scan(&id)
		return s.wrap(op, err)
	})
	return id, err
}

// UpdateAction replaces the record id (recorded by RecordAction with
// Finished false) with a, under the same rules; a.ID is ignored. It
// returns ErrNoAction for an unknown id and ErrActionFinished when the
// record was already completed.
func (s *Store) UpdateAction(ctx context.Context, id int64, a Action) error {
	row, err := actionRow(a)
	if err != nil {
		return fmt.Errorf("cache: update action %d: %w", id, err)
	}
	op := fmt.Sprintf("update action %d", id)
	return s.writeContext(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var finished bool
		err := tx.QueryRowContext(ctx, `SELECT finished FROM action_history WHERE id = ?`, id).Scan(&finished)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNoAction
		case err != nil:
			return s.wrap(op, err)
		case finished:
			return ErrActionFinished
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE action_history SET at = ?, local_user = ?, director_uuid = ?, director = ?, deployment = ?,
				cluster = ?, action = ?, targets = ?, outcome = ?, command = ?, task_ids = ?, detail = ?, finished = ?
			WHERE id = ?`, append(row, id)...)
		return s.wrap(op, err)
	})
}

// actionRow checks a and gives its column values in the order of the
// INSERT of RecordAction.
func actionRow(a Action) ([]any, error) {
	if !a.Finished {
		switch a.Outcome {
		case "":
			a.Outcome = OutcomeInterrupted
		case OutcomeInterrupted:
		default:
			return nil, fmt.Errorf("an action under way (not finished) is stored as %s, not %s", OutcomeInterrupted, a.Outcome)
		}
		if a.Detail == "" {
			a.Detail = InProgressDetail
		}
	}
	switch {
	case strings.TrimSpace(a.Action) == "":
		return nil, errors.New("empty action")
	case a.Director == "" && a.DirectorUUID == "":
		return nil, fmt.Errorf("%s: neither the director's name nor its UUID", a.Action)
	case !a.Outcome.Valid():
		return nil, fmt.Errorf("%s: outcome %q is not one of %v", a.Action, a.Outcome, Outcomes)
	}
	if err := checkTime(a.Time); err != nil {
		return nil, fmt.Errorf("%s: %w", a.Action, err)
	}
	targets := a.Targets
	if targets == nil {
		targets = []ActionTarget{}
	}
	for _, t := range targets {
		if t.Name == "" {
			return nil, fmt.Errorf("%s: a target has no name", a.Action)
		}
		if t.Outcome != "" && !t.Outcome.Valid() {
			return nil, fmt.Errorf("%s: target %s: outcome %q is not one of %v", a.Action, t.Name, t.Outcome, Outcomes)
		}
	}
	tasks := a.TaskIDs
	if tasks == nil {
		tasks = []int64{}
	}
	tj, err := json.Marshal(targets)
	if err != nil {
		return nil, err
	}
	kj, err := json.Marshal(tasks)
	if err != nil {
		return nil, err
	}
	return []any{a.Time.UnixNano(), a.User, a.DirectorUUID, withoutUserinfo(a.Director), a.Deployment, a.Cluster,
		a.Action, string(tj), string(a.Outcome), actionText(a.Command), string(kj), actionText(oneLine(a.Detail)),
		a.Finished}, nil
}

// History lists the actions f selects, newest first.
func (s *Store) History(ctx context.Context, f HistoryFilter) ([]Action, error) {
	const op = "read action history"
	var where []string
	var args []any
	if f.Director != "" {
		where, args = append(where, "(director_uuid = ? OR director = ?)"), append(args, f.Director, f.Director)
	}
	if f.Deployment != "" {
		where, args = append(where, "deployment = ?"), append(args, f.Deployment)
	}
	if f.Cluster != "" {
		where, args = append(where, "cluster = ?"), append(args, f.Cluster)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, f.Since.UnixNano())
	}
	query := `SELECT id, at, local_user, director_uuid, director, deployment, cluster, action, targets, outcome,
		command, task_ids, detail, finished FROM action_history`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY at DESC, id DESC"
	if f.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, f.Limit)
	}
	out := []Action{}
	err := s.readContext(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return s.wrap(op, err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				a      Action
				at     int64
				tj, kj string
			)
			if err := rows.Scan(&a.ID, &at, &a.User, &a.DirectorUUID, &a.Director, &a.Deployment, &a.Cluster, &a.Action,
				&tj, &a.Outcome, &a.Command, &kj, &a.Detail, &a.Finished); err != nil {
				return s.wrap(op, err)
			}
			a.Time = fromNanos(at).UTC()
			if json.Unmarshal([]byte(tj), &a.Targets) != nil || json.Unmarshal([]byte(kj), &a.TaskIDs) != nil ||
				a.Targets == nil || a.TaskIDs == nil {
				return s.corrupt(fmt.Sprintf("action %d is unreadable", a.ID), nil)
			}
			out = append(out, a)
		}
		return s.wrap(op, rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// oneLine joins the lines of s with "; ".
func oneLine(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == "" }), "; ")
}

// actionText is s without what looks like a secret, bounded in length.
func actionText(s string) string {
	s = redactSecrets(s)
	if len(s) > maxActionText {
		s = s[:maxActionText] + "…"
	}
	return s
}

const redacted = "<redacted>"

// secretWord is in the name of a flag or variable whose value is secret.
const secretWord = `(?:secret|passw(?:or)?d|token|credential|private[-_]?key|api[-_]?key)`

// A value as a shell command line spells it.
const shellValue = `(?:'[^']*'|"[^"]*"|[^\s'"]+)`

var (
	secretFlag   = regexp.MustCompile(`(?i)(--?[a-z0-9_-]*` + secretWord + `[a-z0-9_-]*)(=|\s+)` + shellValue)
	secretAssign = regexp.MustCompile(`(?i)\b([a-z0-9_]*` + secretWord + `[a-z0-9_]*)=` + shellValue)
	urlUserinfo  = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'"]+@`)
	authScheme   = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]+`)
)

// redactSecrets replaces what looks like a secret in a command line or a
// message with <redacted>.
func redactSecrets(s string) string {
	s = secretFlag.ReplaceAllString(s, "${1}${2}"+redacted)
	s = secretAssign.ReplaceAllString(s, "${1}="+redacted)
	s = urlUserinfo.ReplaceAllString(s, "${1}")
	return authScheme.ReplaceAllString(s, "${1} "+redacted)
}
