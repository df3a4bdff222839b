package sim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// logTypes are the log types an agent packs, in the order of `--all-logs`.
var logTypes = []string{"agent", "job", "system"}

// instanceLogFiles lists the files an instance's agent would pack for
// types, with a "<type>/" prefix when more than one type is asked for.
func instanceLogFiles(in *instance, types []string) []logFile {
	var out []logFile
	for _, t := range logTypes {
		if !slices.Contains(types, t) {
			continue
		}
		var files []logFile
		switch t {
		case "job":
			for _, j := range in.Group.Jobs {
				files = append(files, jobLogFiles(j, in)...)
			}
		case "agent":
			files = agentLogFiles()
		case "system":
			files = systemLogFiles()
		}
		if len(types) > 1 {
			for i := range files {
				files[i].path = t + "/" + files[i].path
			}
		}
		out = append(out, files...)
	}
	return out
}

// matchFilters applies the agent's filters, globs relative to the log
// directory where "**" spans any number of directories.
func matchFilters(filters []string, p string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if globMatch(strings.Split(strings.Trim(f, "/"), "/"), strings.Split(p, "/")) {
			return true
		}
	}
	return false
}

func globMatch(pat, parts []string) bool {
	if len(pat) == 0 {
		return len(parts) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(parts); i++ {
			if globMatch(pat[1:], parts[i:]) {
				return true
			}
		}
		return false
	}
	if len(parts) == 0 {
		return false
	}
	ok, err := path.Match(pat[0], parts[0])
	return err == nil && ok && globMatch(pat[1:], parts[1:])
}

// bundleWriter writes one instance's logs bundle: a gzip tarball with
// entries "./<dir>/<file>" as `tar czf - -C <logdir> .` makes them.
type bundleWriter struct {
	seed  int64
	end   time.Time // the newest log line
	size  int64     // wanted size of the bundle; 0 for the natural size
	level int
}

// write packs in's logs of types (filtered) into w. It returns the
// number of files packed.
func (b bundleWriter) write(w io.Writer, in *instance, types, filters []string) (int, error) {
	var files []logFile
	for _, f := range instanceLogFiles(in, types) {
		if matchFilters(filters, f.path) {
			files = append(files, f)
		}
	}
	level := b.level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if b.size > 0 {
		// Large bundles are for benchmarks: entropy coding only keeps
		// generating hundreds of MB quick.
		level = gzip.HuffmanOnly
	}
	zw, err := gzip.NewWriterLevel(w, level)
	if err != nil {
		return 0, err
	}
	tw := tar.NewWriter(zw)
	pad, padIdx := int64(0), -1
	if b.size > 0 {
		for i, f := range files {
			if f.main {
				padIdx = i
				break
			}
		}
		if padIdx < 0 && len(files) > 0 {
			padIdx = 0
		}
		if padIdx >= 0 {
			pad = int64(float64(b.size) * b.ratio(files[padIdx], in))
		}
	}
	mode := int64(0o644)
	dirs := map[string]bool{}
	hdr := func(name string, size int64, typ byte) error {
		m := mode
		if typ == tar.TypeDir {
			m = 0o755
		}
		return tw.WriteHeader(&tar.Header{Name: name, Size: size, Typeflag: typ, Mode: m, ModTime: b.end,
			Uname: "vcap", Gname: "vcap", Uid: 1000, Gid: 1000, Format: tar.FormatGNU})
	}
	if err := hdr("./", 0, tar.TypeDir); err != nil {
		return 0, err
	}
	for i, f := range files {
		if dir := path.Dir(f.path); dir != "." && !dirs[dir] {
			dirs[dir] = true
			if err := hdr("./"+dir+"/", 0, tar.TypeDir); err != nil {
				return 0, err
			}
		}
		r := newRNG(b.seed, in.ID+"/"+f.path)
		var body bytes.Buffer
		if err := renderLines(f, in, r, b.end, f.lines, func(p []byte) error { _, err := body.Write(p); return err }); err != nil {
			return 0, err
		}
		extra := int64(0)
		if i == padIdx {
			extra = pad
		}
		if err := hdr("./"+f.path, extra+int64(body.Len()), tar.TypeReg); err != nil {
			return 0, err
		}
		if extra > 0 {
			if err := padLines(f, in, r, b.end, extra, func(p []byte) error { _, err := tw.Write(p); return err }); err != nil {
				return 0, err
			}
		}
		if _, err := tw.Write(body.Bytes()); err != nil {
			return 0, err
		}
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	return len(files), zw.Close()
}

// ratio is how many bytes of f's padding compress into one byte of the
// bundle, measured on a sample.
func (b bundleWriter) ratio(f logFile, in *instance) float64 {
	const sample = 1 << 20
	var out countWriter
	zw, _ := gzip.NewWriterLevel(&out, gzip.HuffmanOnly)
	padLines(f, in, newRNG(b.seed, "ratio"), b.end, sample, func(p []byte) error { _, err := zw.Write(p); return err })
	zw.Close()
	if out.n == 0 {
		return 1
	}
	return float64(sample) / float64(out.n)
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// writeGroupBundle packs the bundles of several instances into one, as the
// director does: logs/<group>.<uuid>.<YYYY-mm-dd-HH-MM-SS>.tgz entries in a
// gzip tarball. Each instance's bundle is built in a temporary file in dir.
func (b bundleWriter) writeGroup(w io.Writer, dir string, insts []*instance, types, filters []string) error {
	level := gzip.DefaultCompression
	if b.size > 0 {
		level = gzip.HuffmanOnly
	}
	zw, err := gzip.NewWriterLevel(w, level)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	stamp := b.end.UTC().Format("2006-01-02-15-04-05")
	inner := b
	if len(insts) > 0 {
		inner.size = b.size / int64(len(insts))
	}
	if err := tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: b.end, Format: tar.FormatGNU}); err != nil {
		return err
	}
	for _, in := range insts {
		tmp, err := os.CreateTemp(dir, "inner-*.tgz")
		if err != nil {
			return err
		}
		err = func() error {
			defer os.Remove(tmp.Name())
			defer tmp.Close()
			if _, err := inner.write(tmp, in, types, filters); err != nil {
				return err
			}
			size, err := tmp.Seek(0, io.SeekCurrent)
			if err != nil {
				return err
			}
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				return err
			}
			name := fmt.Sprintf("./%s.%s.%s.tgz", in.Group.Name, in.ID, stamp)
			if err := tw.WriteHeader(&tar.Header{Name: name, Size: size, Typeflag: tar.TypeReg, Mode: 0o644, ModTime: b.end, Format: tar.FormatGNU}); err != nil {
				return err
			}
			_, err = io.Copy(tw, tmp)
			return err
		}()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
