package tui

import (
	"context"
	"os"
	"path/filepath"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
	"bosun/cache"
)

// LogsFetcher is the part of the director client that fetches log
// bundles. *bosh.Client implements it; the TUI finds it on
// Options.Director.
type LogsFetcher interface {
	FetchLogs(ctx context.Context, req bosh.LogsRequest, progress func(bosh.LogsProgress)) (bosh.Bundle, error)
}

// LogsIndex is the part of the cache that indexes log bundles.
// *cache.Store implements it; the TUI finds it on Options.Cache.
type LogsIndex interface {
	AddLogBundle(uuid string, b bosh.Bundle) (int64, error)
	LogBundles() ([]cache.LogBundle, error)
	LogBundleFiles(id int64) ([]bosh.BundleFile, error)
}

// logsFetcher is the director's log fetching, nil offline or when the
// director client cannot fetch logs.
func (c *common) logsFetcher() LogsFetcher {
	if !c.online() {
		return nil
	}
	f, _ := c.opts.Director.(LogsFetcher)
	return f
}

// logsIndex is the bundle index, nil without a cache.
func (c *common) logsIndex() LogsIndex {
	if c.opts.Cache == nil {
		return nil
	}
	ix, _ := c.opts.Cache.(LogsIndex)
	return ix
}

// logsDir is where the TUI writes bundles: "logs" beside the cache file,
// else the temporary directory.
func logsDir() string {
	if p, err := cache.DefaultPath(); err == nil {
		return filepath.Join(filepath.Dir(p), "logs")
	}
	return filepath.Join(os.TempDir(), "bosun-logs")
}

// bundlesLoadedMsg: the bundle index was read.
type bundlesLoadedMsg struct {
	screen  int
	bundles []cache.LogBundle
	err     error
}

func (m bundlesLoadedMsg) target() int { return m.screen }

// bundleFilesMsg: a bundle's file list was read (from the index, or from
// the tarball when the index has none).
type bundleFilesMsg struct {
	screen int
	files  []bosh.BundleFile
	err    error
}

func (m bundleFilesMsg) target() int { return m.screen }

func loadBundles(ix LogsIndex, screen int) tea.Cmd {
	return func() tea.Msg {
		if ix == nil {
			return bundlesLoadedMsg{screen: screen, err: errNoIndex}
		}
		b, err := ix.LogBundles()
		return bundlesLoadedMsg{screen: screen, bundles: b, err: err}
	}
}

// loadBundleFiles lists a bundle's files from the index; a bundle the
// index does not know (id 0) is read from its tarball, without extracting.
func loadBundleFiles(ix LogsIndex, id int64, path string, screen int) tea.Cmd {
	return func() tea.Msg {
		if ix != nil && id != 0 {
			files, err := ix.LogBundleFiles(id)
			if err == nil && len(files) > 0 {
				return bundleFilesMsg{screen: screen, files: files}
			}
		}
		f, err := os.Open(path)
		if err != nil {
			return bundleFilesMsg{screen: screen, err: err}
		}
		defer f.Close()
		files, err := bosh.ScanBundle(f)
		return bundleFilesMsg{screen: screen, files: files, err: err}
	}
}

type logsError string

func (e logsError) Error() string { return string(e) }

const errNoIndex = logsError("no bundle index: the cache is unavailable")
