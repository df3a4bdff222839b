package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// auditHistoryMigration adds the history of kube-apiserver audit changes.
var auditHistoryMigration = migration{version: 6, name: "kube-apiserver audit change history", up: execSQL(schemaAuditHistory)}

// schemaAuditHistory: one row per master touched by an audit change. at
// is Unix nanoseconds; flags_before and flags_after are JSON objects of
// the master's --audit-* flags before the change and after it (after a
// rollback they equal flags_before); who is the local user and the
// director user. The table is small and read by deployment; it has no index.
const schemaAuditHistory = `CREATE TABLE audit_history (id INTEGER PRIMARY KEY, director_uuid TEXT NOT NULL,
deployment TEXT NOT NULL, master TEXT NOT NULL, action TEXT NOT NULL, at INTEGER NOT NULL, who TEXT NOT NULL,
flags_before TEXT NOT NULL, flags_after TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, backup TEXT NOT NULL)`

// maxAuditDetail bounds the stored detail of a record.
const maxAuditDetail = 2000

// AuditRecord is what an audit change did to one master.
type AuditRecord struct {
	Deployment  string            `json:"deployment"`
	Master      string            `json:"master"`
	Action      string            `json:"action"` // "enable" or "disable"
	At          time.Time         `json:"at"`
	Who         string            `json:"who"`
	FlagsBefore map[string]string `json:"flags_before"`
	FlagsAfter  map[string]string `json:"flags_after"`
	Outcome     string            `json:"outcome"`
	Detail      string            `json:"detail,omitempty"`
	Backup      string            `json:"backup,omitempty"`
}

// RecordAudit appends a master's audit change to director uuid's history.
func (s *Store) RecordAudit(uuid string, r AuditRecord) error {
	switch {
	case uuid == "":
		return errors.New("cache: record audit change: empty director uuid")
	case r.Deployment == "" || r.Master == "":
		return errors.New("cache: record audit change: empty deployment or master")
	case r.Action != "enable" && r.Action != "disable":
		return fmt.Errorf("cache: record audit change: action %q is neither enable nor disable", r.Action)
	case r.Outcome == "":
		return errors.New("cache: record audit change: empty outcome")
	}
	if err := checkTime(r.At); err != nil {
		return fmt.Errorf("cache: record audit change of %s: %w", r.Master, err)
	}
	enc := func(m map[string]string) string {
		if m == nil {
			m = map[string]string{}
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	detail := r.Detail
	if len(detail) > maxAuditDetail {
		detail = detail[:maxAuditDetail] + "…"
	}
	op := "record audit change of " + r.Master
	return s.write(op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO audit_history (director_uuid, deployment, master, action, at, who, flags_before, flags_after,
				outcome, detail, backup) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			uuid, r.Deployment, r.Master, r.Action, r.At.UnixNano(), r.Who, enc(r.FlagsBefore), enc(r.FlagsAfter),
			r.Outcome, detail, r.Backup)
		return s.wrap(op, err)
	})
}

// AuditHistory lists the newest records of a deployment (at most limit;
// 0 means 50), newest first.
func (s *Store) AuditHistory(uuid, dep string, limit int) ([]AuditRecord, error) {
	if limit <= 0 {
		limit = 50
	}
	var out []AuditRecord
	err := s.read("read audit history of "+dep, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT deployment, master, action, at, who, flags_before, flags_after,
			outcome, detail, backup FROM audit_history WHERE director_uuid = ? AND deployment = ?
			ORDER BY at DESC, id DESC LIMIT ?`, uuid, dep, limit)
		if err != nil {
			return s.wrap("read audit history of "+dep, err)
		}
		defer rows.Close()
		for rows.Next() {
			var r AuditRecord
			var at int64
			var before, after string
			if err := rows.Scan(&r.Deployment, &r.Master, &r.Action, &at, &r.Who, &before, &after, &r.Outcome, &r.Detail, &r.Backup); err != nil {
				return s.wrap("read audit history of "+dep, err)
			}
			r.At = time.Unix(0, at)
			if json.Unmarshal([]byte(before), &r.FlagsBefore) != nil || json.Unmarshal([]byte(after), &r.FlagsAfter) != nil {
				return fmt.Errorf("cache: audit history of %s: unreadable flags", dep)
			}
			out = append(out, r)
		}
		return s.wrap("read audit history of "+dep, rows.Err())
	})
	return out, err
}

// LastAudit is the newest record of each master of a deployment, by
// master: what bosun last left there.
func (s *Store) LastAudit(uuid, dep string) (map[string]AuditRecord, error) {
	all, err := s.AuditHistory(uuid, dep, 1000)
	if err != nil {
		return nil, err
	}
	out := map[string]AuditRecord{}
	for _, r := range all {
		if _, ok := out[r.Master]; !ok {
			out[r.Master] = r
		}
	}
	return out, nil
}
