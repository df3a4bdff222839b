package cache

import (
	"context"
	"database/sql"
)

// beforeCommit, when a test sets it, runs inside every write transaction
// just before it commits; the crash test uses it to kill a writer there.
var beforeCommit func(op string)

// write runs fn in one IMMEDIATE transaction on the writer connection, so
// a snapshot is replaced entirely or not at all. Errors from fn are
// returned as they are. Every write goes through here: a file found
// damaged is never written (see writable).
func (s *Store) write(op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.writeContext(context.Background(), op, fn)
}

// writeContext is write under ctx.
func (s *Store) writeContext(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := s.writable(ctx); err != nil {
		return err
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(op, err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if beforeCommit != nil {
		beforeCommit(op)
	}
	return s.wrap(op, tx.Commit())
}

// read runs fn in a read transaction, which in WAL mode sees one committed
// state of the file and never waits for a writer.
func (s *Store) read(op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.readContext(context.Background(), op, fn)
}

// readContext is read under ctx.
func (s *Store) readContext(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.wrap(op, err)
	}
	defer tx.Rollback()
	return fn(ctx, tx)
}
