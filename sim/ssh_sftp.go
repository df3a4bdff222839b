package sim

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"time"

	"github.com/pkg/sftp"
)

// The VMs' sftp subsystem, over the emulated file system: OpenSSH's scp
// (9.0 and later, which `bosh scp` runs) copies files with SFTP. A user
// reads any file and writes, as in the shell, under /tmp and their home.

// serveSFTP serves one sftp subsystem session on ch for sh's user.
func (v *sshVM) serveSFTP(sh *shell, ch io.ReadWriteCloser) error {
	h := &vmSFTP{sh: sh, fs: v.fs}
	srv := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h},
		sftp.WithStartDirectory("/home/"+sh.user))
	err := srv.Serve() // until the client closes its side; the session then closes ch
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

type vmSFTP struct {
	sh *shell
	fs *vmFS
}

// sftpErr turns a file system error into the status SFTP sends.
func sftpErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoEnt):
		return sftp.ErrSSHFxNoSuchFile
	case errors.Is(err, fs.ErrPermission):
		return sftp.ErrSSHFxPermissionDenied
	}
	return sftp.ErrSSHFxFailure
}

func (h *vmSFTP) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	b, err := h.fs.read(r.Filepath)
	if err != nil {
		return nil, sftpErr(err)
	}
	return bytes.NewReader(b), nil
}

func (h *vmSFTP) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	if !h.sh.mayWrite(r.Filepath) {
		return nil, sftp.ErrSSHFxPermissionDenied
	}
	w := &sftpFile{fs: h.fs, path: r.Filepath}
	flags := r.Pflags()
	if old, err := h.fs.read(r.Filepath); err == nil && !flags.Trunc {
		w.data = old
	}
	// the file exists from its open on, as on a real file system
	if err := h.fs.write(r.Filepath, w.data, false); err != nil {
		return nil, sftpErr(err)
	}
	return w, nil
}

func (h *vmSFTP) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Setstat":
		return nil // modes and times are kept as they are
	case "Rename", "PosixRename":
		if !h.sh.mayWrite(r.Filepath) || !h.sh.mayWrite(r.Target) {
			return sftp.ErrSSHFxPermissionDenied
		}
		return sftpErr(h.fs.rename(r.Filepath, r.Target))
	}
	if !h.sh.mayWrite(r.Filepath) {
		return sftp.ErrSSHFxPermissionDenied
	}
	switch r.Method {
	case "Remove":
		return sftpErr(h.fs.remove(r.Filepath, false))
	case "Rmdir":
		return sftpErr(h.fs.rmdir(r.Filepath))
	case "Mkdir":
		return sftpErr(h.fs.mkdir(r.Filepath, false))
	}
	return sftp.ErrSSHFxOpUnsupported
}

func (h *vmSFTP) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "Stat", "Lstat":
		f, ok := h.fs.stat(r.Filepath)
		if !ok {
			return nil, sftp.ErrSSHFxNoSuchFile
		}
		return sftpList{fileInfo{name: path.Base(r.Filepath), f: f}}, nil
	case "List":
		names, err := h.fs.list(r.Filepath)
		if err != nil {
			return nil, sftpErr(err)
		}
		var out sftpList
		for _, n := range names {
			if f, ok := h.fs.stat(path.Join(r.Filepath, n)); ok {
				out = append(out, fileInfo{name: n, f: f})
			}
		}
		return out, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

// sftpFile collects what is written to one open file and stores it when
// it is closed.
type sftpFile struct {
	fs   *vmFS
	path string
	mu   sync.Mutex
	data []byte
}

func (w *sftpFile) WriteAt(p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if end := int(off) + len(p); end > len(w.data) {
		w.data = append(w.data, make([]byte, end-len(w.data))...)
	}
	copy(w.data[off:], p)
	return len(p), nil
}

func (w *sftpFile) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return sftpErr(w.fs.write(w.path, w.data, false))
}

type sftpList []os.FileInfo

func (l sftpList) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if off+int64(n) >= int64(len(l)) {
		return n, io.EOF
	}
	return n, nil
}

// fileInfo is an os.FileInfo of the emulated file system.
type fileInfo struct {
	name string
	f    *simFile
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return int64(len(i.f.data)) }
func (i fileInfo) Mode() fs.FileMode  { return i.f.mode }
func (i fileInfo) ModTime() time.Time { return time.Time{} }
func (i fileInfo) IsDir() bool        { return i.f.mode.IsDir() }
func (i fileInfo) Sys() any           { return nil }
