package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// logStore is the director's blobstore for log bundles: each fetch-logs
// task uploads one and its blobstore id is the task's result. Bundles live
// in a temporary directory removed when the foundation closes; identical
// requests share one generated file.
type logStore struct {
	f *Foundation

	mu     sync.Mutex
	dir    string
	blobs  map[string]string      // blobstore id → file
	byKey  map[string]*bundleFile // request key → generated file
	closed bool
	served LogDownloads  // what GET /resources/:id sent
	hold   *downloadHold // stop downloads at a byte, for tests
}

type bundleFile struct {
	once sync.Once
	path string
	err  error
}

func newLogStore(f *Foundation) *logStore {
	ls := &logStore{f: f, blobs: map[string]string{}, byKey: map[string]*bundleFile{}}
	f.logs = ls
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		<-f.closing
		ls.mu.Lock()
		ls.closed = true
		dir := ls.dir
		ls.mu.Unlock()
		if dir != "" {
			os.RemoveAll(dir)
		}
	}()
	return ls
}

// workDir is the store's directory, made on first use.
func (ls *logStore) workDir() (string, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		return "", errClosing
	}
	if ls.dir == "" {
		dir, err := os.MkdirTemp("", "bosun-sim-blobs-")
		if err != nil {
			return "", err
		}
		ls.dir = dir
	}
	return ls.dir, nil
}

// bundle returns the file for key, building it with build on first use.
func (ls *logStore) bundle(key string, build func(path, dir string) error) (string, error) {
	dir, err := ls.workDir()
	if err != nil {
		return "", err
	}
	ls.mu.Lock()
	bf := ls.byKey[key]
	if bf == nil {
		bf = &bundleFile{}
		ls.byKey[key] = bf
	}
	ls.mu.Unlock()
	bf.once.Do(func() {
		bf.path = filepath.Join(dir, fmt.Sprintf("bundle-%d.tgz", len(ls.byKey)))
		bf.err = build(bf.path, dir)
		if bf.err != nil {
			os.Remove(bf.path)
		}
	})
	if bf.err != nil {
		// A failed build is not kept: the next request tries again.
		ls.mu.Lock()
		if ls.byKey[key] == bf {
			delete(ls.byKey, key)
		}
		ls.mu.Unlock()
	}
	return bf.path, bf.err
}

// put registers file under a new blobstore id.
func (ls *logStore) put(file string) (string, error) {
	hex, err := randomHex(16)
	if err != nil {
		return "", err
	}
	id := strings.Join([]string{hex[0:8], hex[8:12], hex[12:16], hex[16:20], hex[20:32]}, "-")
	ls.mu.Lock()
	ls.blobs[id] = file
	ls.mu.Unlock()
	return id, nil
}

func (ls *logStore) get(id string) (string, bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	p, ok := ls.blobs[id]
	return p, ok
}
