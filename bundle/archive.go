package bundle

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/edict-policy/edict/rendered"
)

// Archive layout
//
// The OCI layer is a gzip-compressed tar of the bundle folder with the bundle
// files at the archive root: kustomization.yaml, bundle.json, templates/,
// constraints/ and, when signed, bundle.sig. Flux (spec.path ./) and Argo CD
// (path .) therefore see kustomization.yaml at the top of what they extract.
// Every folder has its own entry ("templates/") before its files; entries are
// sorted by name, folders are 0755 and files 0644, owned by uid/gid 0 with no
// user or group names, and every time is the Unix epoch. The gzip stream
// carries no file name and mtime 0. The same files therefore always give the
// same bytes and the same layer digest.

// archiveLevel is part of the digest: changing it changes every artifact.
const archiveLevel = gzip.BestCompression

// Limits bound what ReadArchive accepts, so a hostile artifact cannot fill
// memory or disk.
type Limits struct {
	MaxBytes int64 // total size of all files, and of the compressed stream
	MaxFiles int
}

// DefaultLimits are generous for policy bundles (a large one is a few MiB).
var DefaultLimits = Limits{MaxBytes: 64 << 20, MaxFiles: 10000}

var epoch = time.Unix(0, 0).UTC()

// Archive writes the bundle folder fsys as a reproducible tar+gzip stream.
// Only regular files and folders are allowed in a bundle.
func Archive(w io.Writer, fsys fs.FS) error {
	files, err := readBundleFiles(fsys, DefaultLimits)
	if err != nil {
		return err
	}
	return ArchiveFiles(w, files)
}

// readBundleFiles loads a bundle folder into memory, within lim.
func readBundleFiles(fsys fs.FS, lim Limits) (map[string][]byte, error) {
	lim = lim.withDefaults()
	files := map[string][]byte{}
	var total int64
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return &InvalidError{Reason: fmt.Sprintf("bundle file %s is not a regular file (links and devices are not allowed)", p)}
		case len(files) >= lim.MaxFiles:
			return &InvalidError{Reason: fmt.Sprintf("the bundle has more than %d files", lim.MaxFiles)}
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(&limitedReader{r: f, left: lim.MaxBytes - total, max: lim.MaxBytes, what: "bundle content"})
		if err != nil {
			var le *limitError
			if errors.As(err, &le) {
				return &InvalidError{Reason: le.Error()}
			}
			return err
		}
		total += int64(len(b))
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return files, nil
}

// ArchiveFiles writes files (slash-separated paths) as a reproducible
// tar+gzip stream; see the archive layout above.
func ArchiveFiles(w io.Writer, files map[string][]byte) error {
	entries := map[string]bool{} // name → is folder
	for p := range files {
		if !fs.ValidPath(p) || p == "." {
			return &InvalidError{Reason: fmt.Sprintf("invalid bundle path %q", p)}
		}
		entries[p] = false
		// Stop at "/" too, so that an absolute path cannot loop forever.
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			entries[d+"/"] = true
		}
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)

	zw, err := gzip.NewWriterLevel(w, archiveLevel)
	if err != nil {
		return err
	}
	// The zero time.Time would be written as a far-future timestamp; the
	// header must say 0 ("no time").
	zw.ModTime = epoch
	tw := tar.NewWriter(zw)
	for _, n := range names {
		hdr := &tar.Header{Name: n, ModTime: epoch, Format: tar.FormatPAX}
		if entries[n] {
			hdr.Typeflag, hdr.Mode = tar.TypeDir, 0o755
		} else {
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, int64(len(files[n]))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("archive %s: %w", n, err)
		}
		if !entries[n] {
			if _, err := tw.Write(files[n]); err != nil {
				return fmt.Errorf("archive %s: %w", n, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// ReadArchive reads a bundle archive into memory. It refuses absolute paths,
// ".." elements, links, devices and anything but files and folders, duplicate
// entries, and archives beyond lim, so nothing from the archive can land
// outside the folder it is later written to.
func ReadArchive(r io.Reader, lim Limits) (map[string][]byte, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits.MaxBytes
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = DefaultLimits.MaxFiles
	}
	unsafe := func(format string, a ...any) error {
		return &VerifyError{Reason: "unsafe archive: " + fmt.Sprintf(format, a...)}
	}
	zr, err := gzip.NewReader(&limitedReader{r: r, left: lim.MaxBytes, what: "compressed archive", max: lim.MaxBytes})
	if err != nil {
		return nil, unsafe("not a gzip stream: %v", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	var total int64
	entries := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		// Every entry costs work, folders and headers included: a layer of
		// nothing but folder entries must stop at the limit too. A bundle
		// has at most one folder per file.
		entries++
		if entries > 2*lim.MaxFiles+1 {
			return nil, unsafe("more than %d entries (files and folders)", 2*lim.MaxFiles+1)
		}
		if err != nil {
			var le *limitError
			if errors.As(err, &le) {
				return nil, unsafe("%v", le)
			}
			return nil, unsafe("corrupt tar: %v", err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := cleanEntryName(hdr.Name)
		if err != nil {
			return nil, unsafe("%v", err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		case tar.TypeSymlink, tar.TypeLink:
			return nil, unsafe("%s is a link", hdr.Name)
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			return nil, unsafe("%s is a device or pipe", hdr.Name)
		default:
			return nil, unsafe("%s has unsupported type %q", hdr.Name, hdr.Typeflag)
		}
		if name == "." {
			return nil, unsafe("file entry %q has no name", hdr.Name)
		}
		if _, dup := files[name]; dup {
			return nil, unsafe("%s appears twice", name)
		}
		if len(files) >= lim.MaxFiles {
			return nil, unsafe("more than %d files", lim.MaxFiles)
		}
		if hdr.Size < 0 || total+hdr.Size > lim.MaxBytes {
			return nil, unsafe("content exceeds the size limit of %d bytes", lim.MaxBytes)
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, io.LimitReader(tr, hdr.Size))
		if err != nil {
			var le *limitError
			if errors.As(err, &le) {
				return nil, unsafe("%v", le)
			}
			return nil, unsafe("read %s: %v", name, err)
		}
		if n != hdr.Size {
			return nil, unsafe("%s is truncated", name)
		}
		total += n
		files[name] = buf.Bytes()
	}
	if err := rendered.CheckTree(files); err != nil {
		return nil, unsafe("%v", err)
	}
	return files, nil
}

// cleanEntryName turns a tar entry name into a bundle path, refusing any
// name that could escape the extraction folder.
func cleanEntryName(name string) (string, error) {
	if strings.Contains(name, `\`) || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("entry %q has a forbidden character", name)
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("entry %q is an absolute path", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "", fmt.Errorf("entry %q leaves the bundle folder", name)
		}
	}
	n := strings.TrimSuffix(strings.TrimPrefix(name, "./"), "/")
	if n == "" || n == "." {
		return ".", nil
	}
	if !fs.ValidPath(n) {
		return "", fmt.Errorf("entry %q is not a clean relative path", name)
	}
	return n, nil
}

type limitError struct {
	what string
	max  int64
}

func (e *limitError) Error() string {
	return fmt.Sprintf("%s exceeds the size limit of %d bytes", e.what, e.max)
}

// limitedReader fails, rather than silently stopping, past its limit.
type limitedReader struct {
	r    io.Reader
	left int64
	max  int64
	what string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Allow the underlying stream to end exactly at the limit.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, &limitError{what: l.what, max: l.max}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
