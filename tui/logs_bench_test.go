package tui

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeBigBundle writes a bundle whose second file is a kubelet log of
// size bytes, compressed as the agent's tar does (gzip), and returns the
// log's name in the bundle.
func writeBigBundle(b *testing.B, path string, size int64) string {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	small := "bpm started\n"
	tw.WriteHeader(&tar.Header{Name: "./bpm/bpm.log", Size: int64(len(small)), Mode: 0o644, Typeflag: tar.TypeReg})
	tw.Write([]byte(small))
	name := "./kubelet/kubelet.stderr.log"
	tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: 0o644, Typeflag: tar.TypeReg})
	const marker = "bosun-end-of-file-marker\n"
	var line strings.Builder
	var written int64
	for i := 0; written < size-int64(len(marker)); i++ {
		line.Reset()
		fmt.Fprintf(&line, "I1123 10:%02d:%02d.%06d    4521 kubelet.go:2440] \"SyncLoop (PLEG): event for pod\" pod=\"payments/checkout-%d\" event={\"Type\":\"ContainerStarted\"}\n",
			i/60000%60, i/1000%60, i%1000000, i%977)
		s := line.String()
		if rest := size - int64(len(marker)) - written; int64(len(s)) > rest {
			s = s[:rest-1] + "\n"
		}
		tw.Write([]byte(s))
		written += int64(len(s))
	}
	if _, err := tw.Write([]byte(marker)); err != nil {
		b.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	zw.Close()
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	return name
}

// BenchmarkViewerFirstScreen opens a 200 MB log inside a bundle and
// measures the time to the viewer's first full screen; it reports the
// heap in use once the screen shows.
func BenchmarkViewerFirstScreen(b *testing.B) {
	const size = 200 << 20
	path := filepath.Join(b.TempDir(), "big.tgz")
	name := writeBigBundle(b, path, size)
	c := newCommon(Options{NoColor: true})
	var heap uint64
	for b.Loop() {
		v := newViewer(c, path, name, size)
		v.SetSize(120, 40)
		v.Update(v.Init()())
		for len(v.window) < v.bodyLines() {
			v.Update(v.waitSpool()())
			if len(v.window) < v.bodyLines() {
				v.Update(v.readWindow()())
			}
		}
		if !strings.Contains(v.View(), "SyncLoop (PLEG)") {
			b.Fatal("first screen shows no log line")
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
		v.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}

// BenchmarkViewerSearchToEnd searches a 200 MB log for a pattern that
// only its last line has, once the file is spooled.
func BenchmarkViewerSearchToEnd(b *testing.B) {
	const size = 200 << 20
	path := filepath.Join(b.TempDir(), "big.tgz")
	name := writeBigBundle(b, path, size)
	c := newCommon(Options{NoColor: true})
	v := newViewer(c, path, name, size)
	v.SetSize(120, 40)
	v.Update(v.Init()())
	for !v.done {
		v.Update(v.waitSpool()())
	}
	defer v.Close()
	v.pattern = "end-of-file-marker"
	for b.Loop() {
		msg := v.search(-1, true)().(searchDoneMsg)
		if !msg.found || msg.line != v.total-1 {
			b.Fatalf("search found line %d (%v), want %d", msg.line, msg.found, v.total-1)
		}
	}
	b.SetBytes(size)
}
