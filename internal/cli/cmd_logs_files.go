package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"bosun/bosh"
	"bosun/cache"
)

// stageListing is the progress stage of reading a bundle to list it.
const stageListing = "listing the bundle's files"

func newLogsFilesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "files BUNDLE",
		Short: "List the files inside a log bundle (an index id from `bosun logs list`, or a path)",
		Long: "List the files inside a log bundle, with their sizes, without extracting anything. BUNDLE is the id\n" +
			"`bosun logs list --json` shows, or the bundle's path. The first listing reads the whole bundle (which\n" +
			"also checks its gzip checksum) and records the list in the index; later ones read the index.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogsFiles(cmd.Context(), g, args[0], cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runLogsFiles(ctx context.Context, g *globals, arg string, out, errOut io.Writer) error {
	store, storeErr := openLogsIndex()
	if store != nil {
		defer store.Close()
	}
	id, path, err := findBundle(store, storeErr, arg)
	if err != nil {
		return err
	}
	var files []bosh.BundleFile
	if id != 0 {
		files, err = store.LogBundleFiles(id)
		if err != nil && !errors.Is(err, cache.ErrNotListed) {
			return err
		}
	}
	if files == nil {
		if _, err := os.Stat(path); err != nil {
			return exitError{exitFailed, fmt.Sprintf("bundle %s is gone: %s", path, oneLine(err.Error()))}
		}
		pr := newProgressPrinter(errOut, !g.jsonOut)
		files, err = bosh.ScanBundleFile(ctx, path, func(p bosh.Progress) { pr.update(bosh.LogsProgress{Stage: stageListing, Progress: p}) })
		pr.finish()
		if err != nil {
			return exitError{exitFailed, fmt.Sprintf("bundle %s is unusable: %s", path, oneLine(err.Error()))}
		}
		if id != 0 {
			if err := store.SetLogBundleFiles(id, files); err != nil {
				fmt.Fprintln(errOut, "bosun: warning: file list not recorded in the index: "+oneLine(err.Error()))
			}
		}
	}
	if g.jsonOut {
		return writeJSONArray(out, files)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	var total int64
	for _, f := range files {
		fmt.Fprintf(tw, "%s\t %s\n", bosh.ByteCount(f.Size), f.Path)
		total += f.Size
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%d files, %s in all\n", len(files), bosh.ByteCount(total))
	return nil
}

// openLogsIndex opens the cache that holds the bundle index.
func openLogsIndex() (*cache.Store, error) {
	path, err := cache.DefaultPath()
	if err != nil {
		return nil, err
	}
	return cache.Open(path)
}

// findBundle resolves BUNDLE: an index id, else a path (which is matched
// against the index so its listing is recorded there). Without an index a
// path still works.
func findBundle(store *cache.Store, storeErr error, arg string) (int64, string, error) {
	n, numErr := strconv.ParseInt(arg, 10, 64)
	if _, statErr := os.Stat(arg); numErr == nil && statErr != nil {
		if store == nil {
			return 0, "", storeErr
		}
		list, err := store.LogBundles()
		if err != nil {
			return 0, "", err
		}
		for _, b := range list {
			if b.ID == n {
				return b.ID, b.Path, nil
			}
		}
		return 0, "", exitError{exitFailed, fmt.Sprintf("no bundle %d in the index (bosun logs list shows them)", n)}
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return 0, "", err
	}
	if store != nil {
		if list, err := store.LogBundles(); err == nil {
			for _, b := range list {
				if b.Path == abs {
					return b.ID, abs, nil
				}
			}
		}
	}
	return 0, abs, nil
}
