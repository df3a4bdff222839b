package sim

import (
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

// vmFS is a VM's emulated file system: regular files and directories by
// absolute path. It is safe for concurrent use.
type vmFS struct {
	mu    sync.Mutex
	files map[string]*simFile
}

type simFile struct {
	data []byte
	mode fs.FileMode // permission bits; fs.ModeDir for directories
}

var (
	errNoEnt  = errors.New("No such file or directory")
	errIsDir  = errors.New("Is a directory")
	errExist  = errors.New("File exists")
	errNotDir = errors.New("Not a directory")
	errNotEmp = errors.New("Directory not empty")
)

func newVMFS() *vmFS { return &vmFS{files: map[string]*simFile{"/": {mode: fs.ModeDir | 0o755}}} }

func cleanPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return path.Clean(p)
}

// mkdirAllLocked creates p and its parents.
func (v *vmFS) mkdirAllLocked(p string) error {
	p = cleanPath(p)
	if f, ok := v.files[p]; ok {
		if !f.mode.IsDir() {
			return errNotDir
		}
		return nil
	}
	if err := v.mkdirAllLocked(path.Dir(p)); err != nil {
		return err
	}
	v.files[p] = &simFile{mode: fs.ModeDir | 0o755}
	return nil
}

// put writes a file, creating parent directories (used to lay out VMs).
func (v *vmFS) put(p string, data []byte, mode fs.FileMode) {
	v.mu.Lock()
	defer v.mu.Unlock()
	p = cleanPath(p)
	v.mkdirAllLocked(path.Dir(p))
	v.files[p] = &simFile{data: append([]byte(nil), data...), mode: mode}
}

func (v *vmFS) read(p string) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f, ok := v.files[cleanPath(p)]
	switch {
	case !ok:
		return nil, errNoEnt
	case f.mode.IsDir():
		return nil, errIsDir
	}
	return append([]byte(nil), f.data...), nil
}

func (v *vmFS) stat(p string) (*simFile, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f, ok := v.files[cleanPath(p)]
	if !ok {
		return nil, false
	}
	c := *f
	return &c, true
}

// write replaces or creates a regular file; its directory must exist.
// An existing file keeps its mode.
func (v *vmFS) write(p string, data []byte, appendTo bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	p = cleanPath(p)
	d, ok := v.files[path.Dir(p)]
	if !ok {
		return errNoEnt
	}
	if !d.mode.IsDir() {
		return errNotDir
	}
	f, ok := v.files[p]
	if ok && f.mode.IsDir() {
		return errIsDir
	}
	if !ok {
		f = &simFile{mode: 0o644}
		v.files[p] = f
	}
	if appendTo {
		f.data = append(f.data, data...)
	} else {
		f.data = append([]byte(nil), data...)
	}
	return nil
}

func (v *vmFS) copyFile(src, dst string, keepMode bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	src, dst = cleanPath(src), cleanPath(dst)
	s, ok := v.files[src]
	if !ok {
		return errNoEnt
	}
	if s.mode.IsDir() {
		return errIsDir
	}
	if d, ok := v.files[dst]; ok && d.mode.IsDir() {
		dst = path.Join(dst, path.Base(src))
	}
	if _, ok := v.files[path.Dir(dst)]; !ok {
		return errNoEnt
	}
	mode := fs.FileMode(0o644)
	if old, ok := v.files[dst]; ok {
		mode = old.mode
	}
	if keepMode {
		mode = s.mode
	}
	v.files[dst] = &simFile{data: append([]byte(nil), s.data...), mode: mode}
	return nil
}

// rename moves a file atomically, as rename(2) does.
func (v *vmFS) rename(src, dst string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	src, dst = cleanPath(src), cleanPath(dst)
	s, ok := v.files[src]
	if !ok {
		return errNoEnt
	}
	if d, ok := v.files[dst]; ok && d.mode.IsDir() {
		dst = path.Join(dst, path.Base(src))
	}
	if _, ok := v.files[path.Dir(dst)]; !ok {
		return errNoEnt
	}
	if s.mode.IsDir() {
		return errIsDir // directories are not moved in the emulation
	}
	delete(v.files, src)
	v.files[dst] = s
	return nil
}

func (v *vmFS) remove(p string, recursive bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	p = cleanPath(p)
	f, ok := v.files[p]
	if !ok {
		return errNoEnt
	}
	if f.mode.IsDir() {
		kids := v.childrenLocked(p)
		if len(kids) > 0 && !recursive {
			return errIsDir
		}
		for _, k := range kids {
			delete(v.files, k)
		}
	}
	delete(v.files, p)
	return nil
}

// mkdir creates one directory; it fails if it exists (an atomic lock).
func (v *vmFS) mkdir(p string, parents bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	p = cleanPath(p)
	if parents {
		return v.mkdirAllLocked(p)
	}
	if _, ok := v.files[p]; ok {
		return errExist
	}
	if d, ok := v.files[path.Dir(p)]; !ok || !d.mode.IsDir() {
		return errNoEnt
	}
	v.files[p] = &simFile{mode: fs.ModeDir | 0o755}
	return nil
}

func (v *vmFS) rmdir(p string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	p = cleanPath(p)
	f, ok := v.files[p]
	switch {
	case !ok:
		return errNoEnt
	case !f.mode.IsDir():
		return errNotDir
	case len(v.childrenLocked(p)) > 0:
		return errNotEmp
	}
	delete(v.files, p)
	return nil
}

// childrenLocked lists every path below dir.
func (v *vmFS) childrenLocked(dir string) []string {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var out []string
	for p := range v.files {
		if p != dir && strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// list names the direct entries of dir.
func (v *vmFS) list(dir string) ([]string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	dir = cleanPath(dir)
	f, ok := v.files[dir]
	if !ok {
		return nil, errNoEnt
	}
	if !f.mode.IsDir() {
		return []string{path.Base(dir)}, nil
	}
	var out []string
	for _, k := range v.childrenLocked(dir) {
		if path.Dir(k) == dir {
			out = append(out, path.Base(k))
		}
	}
	return out, nil
}
