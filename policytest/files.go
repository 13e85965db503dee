package policytest

import (
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// objectCache parses each object file once per run: suites commonly review
// the same sample or constraint file from several tests. Callers get deep
// copies, since a review may mutate what it is given (expansion mutators).
type objectCache struct {
	mu      sync.Mutex
	entries map[string]*cachedObjects
}

type cachedObjects struct {
	once sync.Once
	objs []*unstructured.Unstructured
	err  error
}

func (c *objectCache) get(key string, load func() ([]*unstructured.Unstructured, error)) ([]*unstructured.Unstructured, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*cachedObjects{}
	}
	e, ok := c.entries[key]
	if !ok {
		e = &cachedObjects{}
		c.entries[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.objs, e.err = load() })
	if e.err != nil {
		return nil, e.err
	}
	out := make([]*unstructured.Unstructured, len(e.objs))
	for i, o := range e.objs {
		out[i] = o.DeepCopy()
	}
	return out, nil
}

// objects reads every object of a file of src.
func (r *runner) objects(src *source, p string) ([]*unstructured.Unstructured, error) {
	return r.files.get("all\x00"+src.id+"\x00"+p, func() ([]*unstructured.Unstructured, error) {
		return readObjects(src.fsys, p)
	})
}

// firstObject reads the first object of a file of src, as gator reads
// templates and constraints.
func (r *runner) firstObject(src *source, p string) (*unstructured.Unstructured, error) {
	objs, err := r.files.get("first\x00"+src.id+"\x00"+p, func() ([]*unstructured.Unstructured, error) {
		o, err := readFirstObject(src.fsys, p)
		if err != nil {
			return nil, err
		}
		return []*unstructured.Unstructured{o}, nil
	})
	if err != nil {
		return nil, err
	}
	return objs[0], nil
}
