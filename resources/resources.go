// Package resources reads the Kubernetes objects an audit reviews: files,
// folders (walked recursively), standard input, multi-document YAML, JSON,
// `kind: List` documents as `kubectl get -o yaml` writes them, and folders
// holding a kustomization, rendered through the kustomize API.
//
// Reading is split in two so that it streams: Walk yields raw documents in
// input order, cheaply and without parsing them, and Decode turns one
// document into objects. Callers decode in parallel and release each object
// once it is reviewed; only one document's bytes are held per reader.
// Every object keeps its source: file and line, or the kustomization folder
// it was rendered from.
package resources

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Stdin is the input name that reads standard input.
const Stdin = "-"

// DefaultMaxDocument bounds one YAML document (a whole cluster snapshot
// written as one List is one document) and one JSON file.
const DefaultMaxDocument = 512 << 20

// Source is where an object was read.
type Source struct {
	// File is the file as given (slash-separated below a folder argument),
	// "-" for standard input, or the kustomization folder for kustomize output.
	File string `json:"file"`
	// Line is the 1-based line of the object's first line; 0 when unknown
	// (kustomize output).
	Line int `json:"line,omitempty"`
	// Kustomization is the folder rendered with kustomize, for its objects.
	Kustomization string `json:"kustomization,omitempty"`
}

func (s Source) String() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// Error is a problem with an input: unreadable file, invalid YAML or JSON,
// a kustomization that does not build. The audit reports it and goes on.
type Error struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Msg    string `json:"msg"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	return b.String() + ": " + e.Msg
}

// Document is one unparsed YAML document or JSON file, or the output of one
// kustomization.
type Document struct {
	Source Source
	// Data is the document's bytes; JSON is true when they are JSON.
	Data []byte
	JSON bool
	// Rendered holds kustomize output, already built, instead of Data.
	Rendered []Rendered
	// Err is set when the input could not be read at all.
	Err error
}

// Rendered is one object built by kustomize.
type Rendered struct {
	Object map[string]any
}

// Options tune reading.
type Options struct {
	// Root confines kustomize: no file outside it is read. Empty means the
	// current folder, or the input folder itself when it lies outside it.
	Root string
	// MaxDocument bounds one document; 0 means DefaultMaxDocument.
	MaxDocument int64
}

// Inputs is a set of inputs to read, possibly more than once: standard
// input is kept in a temporary file, kustomize output in memory, so that a
// first pass can collect Namespaces before the objects are reviewed.
type Inputs struct {
	names []string
	opts  Options
	stdin io.Reader

	mu        sync.Mutex
	spool     *os.File
	spoolErr  error
	kustomize map[string]kustomizeResult
}

type kustomizeResult struct {
	objs []Rendered
	err  error
}

// Open checks that every input exists. stdin is read for the input "-".
func Open(names []string, stdin io.Reader, opts Options) (*Inputs, error) {
	if opts.MaxDocument <= 0 {
		opts.MaxDocument = DefaultMaxDocument
	}
	seenStdin := false
	for _, n := range names {
		if n == Stdin {
			if seenStdin {
				return nil, &Error{File: Stdin, Msg: "standard input given twice"}
			}
			seenStdin = true
			continue
		}
		if _, err := os.Stat(n); err != nil {
			return nil, &Error{File: n, Msg: "no such file or folder"}
		}
	}
	return &Inputs{names: names, opts: opts, stdin: stdin, kustomize: map[string]kustomizeResult{}}, nil
}

// Close removes the copy of standard input.
func (in *Inputs) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.spool != nil {
		err := in.spool.Close()
		in.spool = nil
		return err
	}
	return nil
}

// stdinReader returns standard input from its start; the first call copies
// it to a temporary file so later passes can read it again.
func (in *Inputs) stdinReader() (io.Reader, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.spool == nil && in.spoolErr == nil {
		f, err := os.CreateTemp("", "edict-stdin-*")
		if err != nil {
			in.spoolErr = err
		} else {
			_ = os.Remove(f.Name()) // unlinked now; the open file stays readable
			if _, err := io.Copy(f, in.stdin); err != nil {
				in.spoolErr = fmt.Errorf("read standard input: %w", err)
			}
			in.spool = f
		}
	}
	if in.spoolErr != nil {
		return nil, in.spoolErr
	}
	if _, err := in.spool.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return in.spool, nil
}

// Walk yields every document of the inputs, in input order: arguments as
// given, folders in lexical order. It stops when yield returns false or ctx
// is done.
func (in *Inputs) Walk(ctx context.Context, yield func(Document) bool) error {
	for _, name := range in.names {
		if err := ctx.Err(); err != nil {
			return err
		}
		var cont bool
		if name == Stdin {
			r, err := in.stdinReader()
			if err != nil {
				return err
			}
			cont = splitDocuments(Stdin, r, in.opts.MaxDocument, yield)
		} else {
			cont = in.walkPath(ctx, name, yield)
		}
		if !cont {
			return ctx.Err()
		}
	}
	return nil
}

func (in *Inputs) walkPath(ctx context.Context, name string, yield func(Document) bool) bool {
	info, err := os.Stat(name)
	if err != nil {
		return yield(Document{Source: Source{File: name}, Err: &Error{File: name, Msg: err.Error()}})
	}
	if !info.IsDir() {
		return in.walkFile(name, yield)
	}
	cont := true
	err = filepath.WalkDir(name, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if !yield(Document{Source: Source{File: p}, Err: &Error{File: p, Msg: err.Error()}}) {
				cont = false
				return fs.SkipAll
			}
			return nil
		}
		if d.IsDir() {
			if p != name && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if k := kustomizationFile(p); k != "" {
				if !yield(in.kustomizeDocument(p)) {
					cont = false
					return fs.SkipAll
				}
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isManifest(p) {
			return nil
		}
		if !in.walkFile(p, yield) {
			cont = false
			return fs.SkipAll
		}
		return nil
	})
	if err != nil && cont {
		return yield(Document{Source: Source{File: name}, Err: &Error{File: name, Msg: err.Error()}})
	}
	return cont
}

func isManifest(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// kustomizationNames are the file names kustomize recognises, in its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

func kustomizationFile(dir string) string {
	for _, n := range kustomizationNames {
		if info, err := os.Stat(filepath.Join(dir, n)); err == nil && info.Mode().IsRegular() {
			return n
		}
	}
	return ""
}

func (in *Inputs) walkFile(name string, yield func(Document) bool) bool {
	f, err := os.Open(name)
	if err != nil {
		return yield(Document{Source: Source{File: name}, Err: &Error{File: name, Msg: err.Error()}})
	}
	defer f.Close()
	return splitDocuments(filepath.ToSlash(name), f, in.opts.MaxDocument, yield)
}

// splitDocuments yields the documents of one stream. JSON (the first
// non-blank byte is { or [) is one document; YAML is cut at "---" lines
// without being parsed, each document remembering its first line.
func splitDocuments(name string, r io.Reader, max int64, yield func(Document) bool) bool {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := peekNonBlank(br)
	if err != nil && !errors.Is(err, io.EOF) {
		return yield(Document{Source: Source{File: name}, Err: &Error{File: name, Msg: err.Error()}})
	}
	if first == '{' || first == '[' {
		data, err := io.ReadAll(io.LimitReader(br, max+1))
		if err != nil {
			return yield(Document{Source: Source{File: name}, Err: &Error{File: name, Msg: err.Error()}})
		}
		if int64(len(data)) > max {
			return yield(Document{Source: Source{File: name}, Err: &Error{File: name, Msg: fmt.Sprintf("JSON input larger than %d bytes", max)}})
		}
		return yield(Document{Source: Source{File: name, Line: 1}, Data: data, JSON: true})
	}
	var doc bytes.Buffer
	line, start := 0, 1
	tooBig := false
	flush := func() bool {
		defer doc.Reset()
		if tooBig {
			tooBig = false
			return yield(Document{Source: Source{File: name, Line: start}, Err: &Error{File: name, Line: start, Msg: fmt.Sprintf("YAML document larger than %d bytes", max)}})
		}
		if blank(doc.Bytes()) {
			return true
		}
		data := make([]byte, doc.Len())
		copy(data, doc.Bytes())
		return yield(Document{Source: Source{File: name, Line: start}, Data: data})
	}
	for {
		text, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: gather it whole.
			long := append([]byte{}, text...)
			for errors.Is(err, bufio.ErrBufferFull) {
				text, err = br.ReadSlice('\n')
				long = append(long, text...)
				if int64(len(long)) > max {
					break
				}
			}
			text = long
		}
		if len(text) > 0 {
			line++
			if isSeparator(text) {
				if !flush() {
					return false
				}
				start = line + 1
				// "--- {inline}" carries content on the marker line.
				if rest := bytes.TrimSpace(text[3:]); len(rest) > 0 && rest[0] != '#' {
					doc.Write(rest)
					doc.WriteByte('\n')
					start = line
				}
			} else if isDocEnd(text) {
				if !flush() {
					return false
				}
				start = line + 1
			} else if !tooBig {
				if int64(doc.Len()+len(text)) > max {
					tooBig = true
					doc.Reset()
				} else {
					if doc.Len() == 0 && blank(text) {
						start = line + 1
					} else {
						doc.Write(text)
					}
				}
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return yield(Document{Source: Source{File: name, Line: line}, Err: &Error{File: name, Line: line, Msg: err.Error()}})
			}
			return flush()
		}
	}
}

func isSeparator(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r'
}

func isDocEnd(line []byte) bool {
	return bytes.Equal(bytes.TrimRight(line, " \t\r\n"), []byte("..."))
}

// blank reports whether data holds only whitespace, comments and directives.
func blank(data []byte) bool {
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' && l[0] != '%' {
			return false
		}
	}
	return true
}

func peekNonBlank(br *bufio.Reader) (byte, error) {
	for n := 1; n <= 4096; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			return 0, err
		}
		c := b[n-1]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0xEF && c != 0xBB && c != 0xBF {
			return c, nil
		}
	}
	return 0, nil
}

// sortedKeys returns the keys of m, sorted.
