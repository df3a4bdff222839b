package bosh

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// logsFetch is one FetchLogs once its target is resolved: pack (or reuse
// the blob a killed run recorded) and download into the part file.
type logsFetch struct {
	c       *Client
	s       *session
	op, dir string
	t       LogsTarget
	types   string
	filters []string
	report  func(LogsProgress)
}

func (f *logsFetch) run(ctx context.Context) (Bundle, error) {
	want := partRecord{Version: partRecordVersion, Director: f.c.target.URL, Deployment: f.t.Deployment,
		Instance: f.t.Label(), Type: f.types, Filters: f.filters}
	paths := partPathsFor(f.dir, want, f.t)
	part, err := os.OpenFile(paths.part, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return Bundle{}, &Error{Kind: KindConfig, Op: f.op, Err: err, Description: "cannot write in " + f.dir + ": " + oneLine(err.Error())}
	}
	if ok, err := lockPart(part); !ok {
		part.Close()
		desc := fmt.Sprintf("another bosun is fetching the same logs into %s (its partial download is %s)", f.dir, filepath.Base(paths.part))
		if err != nil {
			desc = "cannot lock " + paths.part + ": " + oneLine(err.Error())
		}
		return Bundle{}, &Error{Kind: KindConfig, Op: f.op, Err: err, Description: desc}
	}
	closed, keep := false, false
	defer func() {
		if closed {
			return
		}
		if !keep {
			os.Remove(paths.part)
			os.Remove(paths.record)
		}
		part.Close()
	}()

	rec, recErr := readRecord(paths.record)
	st, err := part.Stat()
	if err != nil {
		return Bundle{}, &Error{Kind: KindConfig, Op: f.op, Err: err, Description: "cannot read " + paths.part + ": " + oneLine(err.Error())}
	}
	switch {
	case recErr == nil && rec.sameRequest(want) && rec.BlobstoreID != "":
		b, again, err := f.resume(ctx, part, paths, rec)
		if !again {
			closed = err == nil
			keep = err != nil && keepPart(err)
			return b, err
		}
	case recErr == nil || st.Size() > 0:
		why := "no record of its blob"
		if recErr == nil {
			why = "its record is not of this request"
		}
		f.report(LogsProgress{Stage: StageResolve, Notice: fmt.Sprintf("deleted the partial download %s (%s): %s, so it cannot be resumed",
			filepath.Base(paths.part), ByteCount(st.Size()), why)})
	}
	if err := restartPart(part, paths); err != nil {
		return Bundle{}, &Error{Kind: KindConfig, Op: f.op, Err: err, Description: "cannot reset " + paths.part + ": " + oneLine(err.Error())}
	}

	taskID, blobID, err := f.c.packLogs(ctx, f.s, f.t, f.types, f.filters, func(id int) { f.report(LogsProgress{Stage: StageTask, TaskID: id}) })
	if err != nil {
		return Bundle{}, classify(f.op, f.c.target.URL, err)
	}
	rec = want
	rec.TaskID, rec.BlobstoreID, rec.FetchedAt = taskID, blobID, time.Now()
	if err := writeRecord(paths.record, rec); err != nil {
		return Bundle{}, &Error{Kind: KindConfig, Op: f.op, TaskID: taskID, Err: err,
			Description: "cannot record the download in " + f.dir + ": " + oneLine(err.Error())}
	}
	b, err := f.download(ctx, part, paths, rec, heldPart{h: sha256.New()})
	closed = err == nil
	keep = err != nil && keepPart(err)
	return b, err
}

// resume finishes the download rec recorded from where the part ends. It
// reports again when the part is not worth resuming or the director no
// longer serves the blob; the caller then starts over.
func (f *logsFetch) resume(ctx context.Context, part *os.File, paths partPaths, rec partRecord) (_ Bundle, again bool, _ error) {
	name := filepath.Base(paths.part)
	held, err := hashPart(ctx, part, func(p Progress) {
		f.report(LogsProgress{Stage: StageRehash, TaskID: rec.TaskID, Progress: p})
	})
	if err != nil {
		if ctx.Err() != nil {
			return Bundle{}, false, classify(f.op, f.c.target.URL, ctx.Err())
		}
		f.report(LogsProgress{Stage: StageResolve, Notice: fmt.Sprintf("deleted the partial download %s: %s; starting over", name, oneLine(err.Error()))})
		return Bundle{}, true, nil
	}
	f.report(LogsProgress{Stage: StageDownload, TaskID: rec.TaskID, Progress: Progress{Done: held.size, Total: -1},
		Notice: fmt.Sprintf("resuming the download of blob %s (task %d, packed %s ago) after %s already downloaded",
			rec.BlobstoreID, rec.TaskID, time.Since(rec.FetchedAt).Round(time.Second), ByteCount(held.size))})
	b, err := f.download(ctx, part, paths, rec, held)
	if err == nil || !blobGone(err) {
		return b, false, err
	}
	f.report(LogsProgress{Stage: StageResolve, Notice: fmt.Sprintf("the director no longer serves blob %s (%s): deleted the partial download %s (%s); packing the logs again",
		rec.BlobstoreID, oneLine(err.Error()), name, ByteCount(held.size))})
	return Bundle{}, true, nil
}

// download fetches rec's blob into the part from held.size on and moves
// the bundle into place.
func (f *logsFetch) download(ctx context.Context, part *os.File, paths partPaths, rec partRecord, held heldPart) (Bundle, error) {
	b := Bundle{Deployment: f.t.Deployment, Instance: f.t.Label(), Type: f.types, TaskID: rec.TaskID,
		BlobstoreID: rec.BlobstoreID, FetchedAt: rec.FetchedAt, Resumed: held.size}
	final := filepath.Join(f.dir, BundleFileName(f.t, rec.FetchedAt))
	var err error
	b.Bytes, b.SHA256, err = f.c.savePart(ctx, part, rec.BlobstoreID, final, held, func(p Progress) {
		f.report(LogsProgress{Stage: StageDownload, TaskID: rec.TaskID, Progress: p})
	})
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Op, e.TaskID = f.op, rec.TaskID
		}
		if keepPart(err) {
			if st, serr := part.Stat(); serr == nil {
				f.report(LogsProgress{Stage: StageDownload, TaskID: rec.TaskID, Notice: fmt.Sprintf(
					"kept the partial download %s (%s): the same command resumes it", filepath.Join(f.dir, filepath.Base(paths.part)), ByteCount(st.Size()))})
			}
		}
		return Bundle{}, err
	}
	b.Path = final
	os.Remove(paths.record)
	syncDir(f.dir)
	return b, nil
}

// keepPart says whether a failed download's part is worth keeping for a
// rerun: the transfer broke off or was cancelled, the bytes so far are good.
func keepPart(err error) bool {
	k := KindOf(err)
	return k == KindUnreachable || k == KindCanceled
}

// blobGone says whether a resumption failed because the director no
// longer has the recorded blob (its cleanup), or has another one under it.
func blobGone(err error) bool {
	return KindOf(err) == KindNotFound || errors.Is(err, errRangeMismatch)
}

// restartPart empties the part and forgets its record.
func restartPart(part *os.File, paths partPaths) error {
	if err := os.Remove(paths.record); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return part.Truncate(0)
}
