package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

func writeFixtureBundle(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "contoso-prod")
	if err := Write(dir, fixtureOutput()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestArchiveIsReproducible(t *testing.T) {
	a, b := writeFixtureBundle(t), writeFixtureBundle(t)
	// Different file times and umask-independent modes must not matter.
	old := epoch.AddDate(30, 0, 0)
	if err := os.Chtimes(filepath.Join(b, "kustomization.yaml"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(b, "kustomization.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	var bufA, bufB bytes.Buffer
	if err := Archive(&bufA, os.DirFS(a)); err != nil {
		t.Fatal(err)
	}
	if err := Archive(&bufB, os.DirFS(b)); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(bufA.Bytes()) != sha256.Sum256(bufB.Bytes()) {
		t.Fatal("the same bundle gave two different layer digests")
	}

	// The gzip header has no name and no time.
	zr, err := gzip.NewReader(bytes.NewReader(bufA.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if raw := bufA.Bytes(); zr.Name != "" || raw[3]&0x08 != 0 || !bytes.Equal(raw[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("gzip header name=%q mtime=%v", zr.Name, zr.ModTime)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		wantMode := int64(0o644)
		if h.Typeflag == tar.TypeDir {
			wantMode = 0o755
		}
		if h.Mode != wantMode || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(epoch) {
			t.Errorf("%s: mode=%o uid=%d gid=%d uname=%q gname=%q mtime=%v", h.Name, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
	}
	want := "bundle.json,constraints/,constraints/k8sedictprivileged.privileged.yaml,constraints/kustomization.yaml,kustomization.yaml,templates/,templates/k8sedictprivileged.yaml,templates/kustomization.yaml"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("entries:\n got %s\nwant %s", got, want)
	}
}

func TestReadArchiveRoundTrip(t *testing.T) {
	dir := writeFixtureBundle(t)
	var buf bytes.Buffer
	if err := Archive(&buf, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	files, err := ReadArchive(&buf, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range fixtureOutput().FileMap() {
		if !bytes.Equal(files[p], want) {
			t.Errorf("%s differs after the round trip", p)
		}
	}
	if _, ok := files[IndexFile]; !ok {
		t.Error("bundle.json missing from the archive")
	}
}

type rawEntry struct {
	name     string
	typeflag byte
	body     string
	linkname string
}

func craft(t *testing.T, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.linkname}
		if e.typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadArchiveRejectsCrafted(t *testing.T) {
	big := strings.Repeat("a", 2048)
	tests := []struct {
		name    string
		archive []byte
		limits  Limits
		reason  string
	}{
		{"dot-dot", craft(t, rawEntry{name: "../evil.yaml", typeflag: tar.TypeReg, body: "x"}), DefaultLimits, "leaves the bundle folder"},
		{"nested dot-dot", craft(t, rawEntry{name: "templates/../../evil", typeflag: tar.TypeReg, body: "x"}), DefaultLimits, "leaves the bundle folder"},
		{"absolute", craft(t, rawEntry{name: "/etc/passwd", typeflag: tar.TypeReg, body: "x"}), DefaultLimits, "absolute path"},
		{"symlink", craft(t, rawEntry{name: "k.yaml", typeflag: tar.TypeSymlink, linkname: "/etc/passwd"}), DefaultLimits, "is a link"},
		{"hardlink", craft(t, rawEntry{name: "k.yaml", typeflag: tar.TypeLink, linkname: "other"}), DefaultLimits, "is a link"},
		{"device", craft(t, rawEntry{name: "dev", typeflag: tar.TypeChar}), DefaultLimits, "device"},
		{"duplicate", craft(t, rawEntry{name: "a", typeflag: tar.TypeReg, body: "1"}, rawEntry{name: "./a", typeflag: tar.TypeReg, body: "2"}), DefaultLimits, "appears twice"},
		{"over size", craft(t, rawEntry{name: "big.yaml", typeflag: tar.TypeReg, body: big}), Limits{MaxBytes: 1024}, "size limit"},
		{"too many files", craft(t, rawEntry{name: "a", typeflag: tar.TypeReg, body: "1"}, rawEntry{name: "b", typeflag: tar.TypeReg, body: "2"}), Limits{MaxFiles: 1}, "more than 1 files"},
		{"not gzip", []byte("plain text"), DefaultLimits, "not a gzip stream"},
		{"only folder entries", craft(t, folderEntries(50)...), Limits{MaxFiles: 10}, "more than 21 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := ReadArchive(bytes.NewReader(tt.archive), tt.limits)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("ReadArchive = %v files, %v; want a VerifyError", len(files), err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not mention %q", err, tt.reason)
			}
		})
	}
}

// folderEntries is an archive of n folders and no file: cheap to send,
// costly to walk without an entry count.
func folderEntries(n int) []rawEntry {
	out := make([]rawEntry, n)
	for i := range out {
		out[i] = rawEntry{name: fmt.Sprintf("d%d/", i), typeflag: tar.TypeDir}
	}
	return out
}

func TestReadArchiveCompressedBomb(t *testing.T) {
	// 10 MiB of zeros compresses to a few KiB: the limit applies to the
	// uncompressed content, not just the download.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	size := int64(10 << 20)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(tw, zeroReader{}, size); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	_, err := ReadArchive(&buf, Limits{MaxBytes: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "size limit") {
		t.Fatalf("ReadArchive of a 10 MiB bomb with a 1 MiB limit = %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
