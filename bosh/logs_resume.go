package bosh

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A logs download in progress lives in two hidden files beside the bundle:
//
//	.<deployment>[.<group>[.<index>]].tgz.<key>.part       the bytes so far
//	.<deployment>[.<group>[.<index>]].tgz.<key>.part.json  its record
//
// <key> is derived from the director, the deployment, the target, the log
// types and the filters, so a rerun of the same request into the same
// directory finds them. The record holds the blobstore id the director's
// fetch-logs task returned; it is written (and synced) before the first
// byte is downloaded, so a run killed at any moment leaves a part whose
// blob is known. The director keeps log blobs for days (its cleanup runs
// after 10) and serves them with Range, so a rerun resumes from the part's
// end without a new task; when the blob is gone it starts over.
//
// The record sits beside the part rather than in the cache's bundle index:
// it goes and comes with the part (same directory, same name), works when
// the cache is unavailable, and needs no director UUID before the run.

// StalePartAge is how long a .part file may go unwritten before a fetch
// into its directory removes it.
const StalePartAge = 24 * time.Hour

const partRecordVersion = 1

// partRecord is what a run records about its download before it starts.
type partRecord struct {
	Version     int       `json:"version"`
	Director    string    `json:"director"`
	Deployment  string    `json:"deployment"`
	Instance    string    `json:"instance"`
	Type        string    `json:"type"`
	Filters     []string  `json:"filters"`
	TaskID      int       `json:"task_id"`
	BlobstoreID string    `json:"blobstore_id"`
	FetchedAt   time.Time `json:"fetched_at"` // when the task finished; names the bundle
}

// sameRequest says whether r was recorded for the request want describes.
func (r partRecord) sameRequest(want partRecord) bool {
	return r.Version == partRecordVersion && r.Director == want.Director && r.Deployment == want.Deployment &&
		r.Instance == want.Instance && r.Type == want.Type && slices.Equal(r.Filters, want.Filters)
}

// partPaths are the part and record files of one request.
type partPaths struct{ part, record string }

func partPathsFor(dir string, want partRecord, t LogsTarget) partPaths {
	key := sha256.Sum256([]byte(strings.Join([]string{want.Director, want.Deployment, want.Instance, want.Type,
		strings.Join(want.Filters, "\x01")}, "\x00")))
	part := filepath.Join(dir, "."+bundleBase(t)+".tgz."+hex.EncodeToString(key[:6])+".part")
	return partPaths{part: part, record: part + ".json"}
}

// isPartName says whether name is a part or record file bosun writes: a
// hidden "….tgz.<x>.part" or "….tgz.<x>.part.json".
func isPartName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tgz.") &&
		(strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".part.json"))
}

// writeRecord writes r to path durably: a temporary file, synced, renamed
// into place, and the directory synced.
func writeRecord(path string, r partRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func readRecord(path string) (partRecord, error) {
	var r partRecord
	data, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	err = json.Unmarshal(data, &r)
	return r, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// stalePart is a part file a sweep removed.
type stalePart struct {
	name    string
	size    int64
	written time.Time
}

func (s stalePart) notice(now time.Time) string {
	return fmt.Sprintf("removed the stale partial download %s (%s, last written %s, %s ago)",
		s.name, ByteCount(s.size), s.written.Local().Format("2006-01-02 15:04"), now.Sub(s.written).Round(time.Minute))
}

// sweepStaleParts removes, from dir, the part files (and their records)
// not written for StalePartAge and not locked by a running fetch, and
// records left without a part for as long. It returns the parts removed.
func sweepStaleParts(dir string, now time.Time) []stalePart {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []stalePart
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !isPartName(name) {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < StalePartAge {
			continue
		}
		path := filepath.Join(dir, name)
		if strings.HasSuffix(name, ".json") {
			if _, err := os.Stat(strings.TrimSuffix(path, ".json")); errors.Is(err, fs.ErrNotExist) {
				os.Remove(path)
			}
			continue
		}
		if removeUnlocked(path) {
			os.Remove(path + ".json")
			removed = append(removed, stalePart{name: name, size: info.Size(), written: info.ModTime()})
		}
	}
	return removed
}

// removeUnlocked removes path unless a running fetch holds its lock.
func removeUnlocked(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if ok, err := lockPart(f); !ok || err != nil {
		return false
	}
	return os.Remove(path) == nil
}

// hashPart reads what part holds (the bytes a killed run downloaded) into
// a sha256, so that the sum of a resumed download covers the whole file.
// A part that does not start as gzip is not worth resuming.
func hashPart(ctx context.Context, part *os.File, progress func(Progress)) (heldPart, error) {
	st, err := part.Stat()
	if err != nil {
		return heldPart{}, err
	}
	held := heldPart{size: st.Size(), h: sha256.New()}
	if _, err := part.Seek(0, io.SeekStart); err != nil {
		return heldPart{}, err
	}
	buf := make([]byte, copyBuffer)
	var done int64
	for done < held.size {
		if err := ctx.Err(); err != nil {
			return heldPart{}, err
		}
		n, err := part.Read(buf[:min(int64(len(buf)), held.size-done)])
		if n > 0 {
			if len(held.head) < 2 {
				held.head = append(held.head, buf[:min(n, 2-len(held.head))]...)
			}
			held.h.Write(buf[:n])
			done += int64(n)
			if progress != nil {
				progress(Progress{Done: done, Total: held.size})
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return heldPart{}, err
		}
	}
	if done != held.size {
		return heldPart{}, fmt.Errorf("the part shrank while it was read (%s of %s)", ByteCount(done), ByteCount(held.size))
	}
	if (len(held.head) >= 1 && held.head[0] != 0x1f) || (len(held.head) == 2 && held.head[1] != 0x8b) {
		return heldPart{}, fmt.Errorf("%w: the part starts with %q", ErrNotGzip, held.head)
	}
	return held, nil
}
