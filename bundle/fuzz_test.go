package bundle

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edict-policy/edict/internal/golden"
	"github.com/klauspost/compress/gzip"
)

// Pulled archives come from registries and disks edict does not control:
// any bytes must give a value or an error, never a panic; what is accepted
// stays within the limits and holds only clean relative paths; and writing
// it either replaces the destination completely or leaves it as it was.

// fuzzLimits are small, so the fuzzer reaches them.
var fuzzLimits = Limits{MaxBytes: 4096, MaxFiles: 8}

// rawArchive writes tar entries as given (names, types, sizes), gzipped: the
// shapes edict's own writer never makes.
func rawArchive(entries ...*tar.Header) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, h := range entries {
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		_ = tw.WriteHeader(h)
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			_, _ = tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

func addArchiveSeeds(f *testing.F, extra ...any) {
	var good bytes.Buffer
	if err := ArchiveFiles(&good, map[string][]byte{"kustomization.yaml": []byte("resources: []\n"), "templates/a.yaml": []byte("a: 1\n"), "bundle.json": []byte("{}\n")}); err != nil {
		f.Fatal(err)
	}
	var many []*tar.Header
	for i := range 2*fuzzLimits.MaxFiles + 4 {
		many = append(many, &tar.Header{Name: fmt.Sprintf("d%d/", i), Typeflag: tar.TypeDir, Mode: 0o755})
	}
	var files []*tar.Header
	for i := range fuzzLimits.MaxFiles + 1 {
		files = append(files, &tar.Header{Name: fmt.Sprintf("f%d", i), Typeflag: tar.TypeReg, Size: 1})
	}
	for _, seed := range [][]byte{
		good.Bytes(),
		rawArchive(many...),
		rawArchive(files...),
		rawArchive(&tar.Header{Name: "big", Typeflag: tar.TypeReg, Size: fuzzLimits.MaxBytes + 1}),
		rawArchive(&tar.Header{Name: "a", Typeflag: tar.TypeReg, Size: 3}, &tar.Header{Name: "a/b", Typeflag: tar.TypeReg, Size: 3}),
		rawArchive(&tar.Header{Name: "../escape", Typeflag: tar.TypeReg, Size: 3}),
		rawArchive(&tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}),
		{0x1f, 0x8b, 0x08, 0x00},
		[]byte("not gzip"),
	} {
		f.Add(append([]any{seed}, extra...)...)
	}
}

// countingReader counts what the archive reader consumed.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// tarEntries counts the entries of a gzipped tar as Go's reader sees them.
func tarEntries(data []byte) int {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return 0
	}
	tr := tar.NewReader(zr)
	n := 0
	for {
		if _, err := tr.Next(); err != nil {
			return n
		}
		n++
	}
}

func FuzzReadArchive(f *testing.F) {
	addArchiveSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &countingReader{r: bytes.NewReader(data)}
		files, err := ReadArchive(in, fuzzLimits)
		// The compressed stream is read to the limit and one byte past it
		// (to tell "ends at the limit" from "goes on"), never further.
		if in.n > fuzzLimits.MaxBytes+1 {
			t.Fatalf("read %d compressed bytes; the limit is %d", in.n, fuzzLimits.MaxBytes)
		}
		if err != nil {
			return
		}
		if len(files) > fuzzLimits.MaxFiles {
			t.Fatalf("accepted %d files; the limit is %d", len(files), fuzzLimits.MaxFiles)
		}
		var total int64
		for name, content := range files {
			total += int64(len(content))
			if unsafePath(name) || strings.Contains(name, `\`) || !fs.ValidPath(name) {
				t.Fatalf("accepted unsafe path %q", name)
			}
		}
		if total > fuzzLimits.MaxBytes {
			t.Fatalf("accepted %d bytes of content; the limit is %d", total, fuzzLimits.MaxBytes)
		}
		if n := tarEntries(data); n > 2*fuzzLimits.MaxFiles+1 {
			t.Fatalf("accepted an archive of %d entries; the limit is %d", n, 2*fuzzLimits.MaxFiles+1)
		}
	})
}

// FuzzWriteArchive writes every archive ReadArchive accepts the way pull
// does, over a previous bundle or none: the destination becomes exactly the
// archive's files and nothing is written beside it. (What a failure at each
// step of the write leaves is fuzzed in atomicwrite's FuzzTree.)
func FuzzWriteArchive(f *testing.F) {
	addArchiveSeeds(f, false)
	addArchiveSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte, previous bool) {
		files, err := ReadArchive(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			return
		}
		parent := t.TempDir()
		dest := filepath.Join(parent, "bundle")
		if err := os.WriteFile(filepath.Join(parent, "sentinel"), []byte("beside"), 0o644); err != nil {
			t.Fatal(err)
		}
		if previous {
			if err := writeTree(dest, map[string][]byte{"old.yaml": []byte("old\n"), "templates/old.yaml": []byte("t\n")}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := writeTree(dest, files, nil); err != nil {
			t.Fatalf("write of an accepted archive: %v", err)
		}
		want := map[string]string{".": "/", "sentinel": "beside", "bundle": "/"}
		for name, content := range files {
			want["bundle/"+name] = string(content)
			for d := filepath.ToSlash(filepath.Dir(name)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
				want["bundle/"+d] = "/"
			}
		}
		got := golden.Snapshot(t, parent)
		if len(got) != len(want) {
			t.Fatalf("folder after the write:\nwant %v\ngot  %v", want, got)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: got %q, want %q", k, got[k], v)
			}
		}
	})
}

func unsafePath(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}
