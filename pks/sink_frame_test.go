package pks

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type framed struct {
	frame string
	kind  string // "" or the FrameError kind
}

// readAll runs a framer over input to its end.
func readAll(t *testing.T, r io.Reader, maxFrame int) []framed {
	t.Helper()
	f := newFramer(r, maxFrame)
	var out []framed
	for i := 0; i < 10000; i++ {
		frame, ferr, err := f.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("stream error: %v", err)
			}
			return out
		}
		x := framed{frame: string(frame)}
		if ferr != nil {
			x.kind = ferr.Kind
			if ferr.Detail == "" {
				t.Errorf("frame error %s without a detail", ferr.Kind)
			}
		}
		out = append(out, x)
	}
	t.Fatal("framer does not end")
	return nil
}

func TestFramerReferenceFrames(t *testing.T) {
	stream := strings.Join(referenceFrames, "")
	// One byte at a time too: frames split across reads.
	for _, r := range []io.Reader{strings.NewReader(stream), iotest.OneByteReader(strings.NewReader(stream))} {
		got := readAll(t, r, DefaultMaxFrame)
		if len(got) != len(referenceFrames) {
			t.Fatalf("%d frames, want %d", len(got), len(referenceFrames))
		}
		for i, g := range got {
			want := referenceFrames[i][strings.IndexByte(referenceFrames[i], ' ')+1:]
			if g.kind != "" || g.frame != want {
				t.Errorf("frame %d = %q (%s), want %q", i, g.frame, g.kind, want)
			}
		}
	}
}

func TestFramerNewlineFramedAndMixed(t *testing.T) {
	a := eventMsg("default", "a", "", "Started container")
	b := eventMsg("default", "b", "", "Error: ErrImagePull")
	stream := a + "\n" + octetFrame(b) + a + "\r\n"
	got := readAll(t, strings.NewReader(stream), DefaultMaxFrame)
	want := []string{a, b, a}
	if len(got) != len(want) {
		t.Fatalf("got %d frames %q, want 3", len(got), got)
	}
	for i := range want {
		if strings.TrimRight(got[i].frame, "\r\n") != strings.TrimRight(want[i], "\n") || got[i].kind != "" {
			t.Errorf("frame %d = %q (%s)", i, got[i].frame, got[i].kind)
		}
	}
}

func TestFramerOversizedIsSkippedToTheNextFrame(t *testing.T) {
	big := eventMsg("default", "big", "", strings.Repeat("x", 5000))
	next := eventMsg("default", "after", "", "Started container")
	for name, stream := range map[string]string{
		"octet":   octetFrame(big) + octetFrame(next),
		"newline": big + next,
	} {
		t.Run(name, func(t *testing.T) {
			got := readAll(t, iotest.HalfReader(strings.NewReader(stream)), 1024)
			if len(got) != 2 || got[0].kind != FrameOversized || got[1].frame != next || got[1].kind != "" {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestFramerBadOctetCount(t *testing.T) {
	next := eventMsg("default", "ok", "", "Started container")
	stream := "12x3 garbage\n" + "1234567890123 way too long\n" + "0 " + octetFrame(next)
	got := readAll(t, strings.NewReader(stream), DefaultMaxFrame)
	kinds := []string{}
	for _, g := range got {
		kinds = append(kinds, g.kind)
	}
	if len(got) != 4 || got[0].kind != FrameBadCount || got[1].kind != FrameBadCount || got[2].kind != FrameBadCount || got[3].frame != next {
		t.Fatalf("got kinds %v frames %q", kinds, got)
	}
}

func TestFramerWrongOctetCountsAreRecovered(t *testing.T) {
	a := eventMsg("default", "a", "", "Back-off restarting failed container")
	b := eventMsg("default", "b", "", "Started container")
	cases := map[string]string{
		"too long":  itoa(len(a)+20) + " " + a + octetFrame(b),
		"too short": itoa(len(a)-10) + " " + a + octetFrame(b),
	}
	for name, stream := range cases {
		t.Run(name, func(t *testing.T) {
			got := readAll(t, strings.NewReader(stream), DefaultMaxFrame)
			if len(got) != 2 {
				t.Fatalf("got %d frames: %q", len(got), got)
			}
			if got[0].frame != a || got[0].kind != FrameRecounted {
				t.Errorf("first frame %q (%s), want it whole and marked recounted", got[0].frame, got[0].kind)
			}
			if got[1].frame != b || got[1].kind != "" {
				t.Errorf("second frame %q (%s), want it intact", got[1].frame, got[1].kind)
			}
		})
	}
}

func TestFramerTruncatedAtEnd(t *testing.T) {
	a := eventMsg("default", "a", "", "Started container")
	whole := octetFrame(a)
	for _, cut := range []int{2, len(whole) / 2, len(whole) - 1} {
		got := readAll(t, strings.NewReader(whole+whole[:cut]), DefaultMaxFrame)
		if len(got) != 2 || got[0].frame != a || got[1].kind != FrameTruncated {
			t.Errorf("cut at %d: got %q", cut, got)
		}
	}
}

func TestFramerNotSyslog(t *testing.T) {
	next := eventMsg("default", "ok", "", "Started container")
	got := readAll(t, strings.NewReader("GET / HTTP/1.1\r\nHost: x\r\n"+octetFrame(next)), DefaultMaxFrame)
	if len(got) != 3 || got[0].kind != FrameNotSyslog || got[1].kind != FrameNotSyslog || got[2].frame != next {
		t.Fatalf("got %q", got)
	}
}
