// Package auth signs and verifies requests with Huawei Cloud's AK/SK scheme
// (SDK-HMAC-SHA256 and the derived V11-HMAC-SHA256) exactly as the official Go
// SDK produces them, checks that a credential may use a project, and keeps the
// server's credentials: the keyring that verification reads and the JSON file
// it is loaded from.
//
// The contract is ../shared/spec/auth.md; the error messages are those of
// ../shared/spec/errors.md §5.3.
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"slices"
	"sync"
	"sync/atomic"
)

// AnyProject in a Credential's Projects allows every project.
const AnyProject = "*"

// Credential is one access key pair and the projects it may use.
type Credential struct {
	AccessKey string   `json:"access_key"`
	SecretKey string   `json:"secret_key"`
	Projects  []string `json:"projects"` // "*" allows every project
}

// AllowsProject reports whether c may use projectID: it is listed in
// c.Projects, or c.Projects holds "*".
func (c Credential) AllowsProject(projectID string) bool {
	for _, p := range c.Projects {
		if p == AnyProject || p == projectID {
			return true
		}
	}
	return false
}

// Keyring is a concurrency-safe set of credentials that can be replaced while
// the server runs (SIGHUP reload); a removed key stops working at once.
//
// The zero Keyring holds no credentials.
type Keyring struct {
	// keys is replaced as a whole and never modified after it is stored, so
	// lookups need no lock and a reload cannot be seen half done.
	keys atomic.Pointer[keyset]
}

// keyset is one generation of a keyring's credentials.
type keyset struct {
	creds map[string]Credential
	// macs holds, per access key, HMAC-SHA256 states keyed with its secret
	// key, reused from request to request (see macState). They belong to
	// the generation: Replace makes a new keyset, so a rotated or revoked
	// secret's states can never verify another request.
	macs map[string]*sync.Pool
}

// NewKeyring returns a keyring holding creds. When two credentials have the
// same access key the later one wins; LoadFile rejects such files.
func NewKeyring(creds []Credential) *Keyring {
	k := &Keyring{}
	k.Replace(creds)
	return k
}

// Replace makes creds the keyring's only credentials. Requests verified after
// Replace returns see only the new set.
func (k *Keyring) Replace(creds []Credential) {
	ks := &keyset{
		creds: make(map[string]Credential, len(creds)),
		macs:  make(map[string]*sync.Pool, len(creds)),
	}
	for _, c := range creds {
		// Copy the slice so that a caller that reuses its own cannot change
		// the keyring behind its back.
		c.Projects = slices.Clone(c.Projects)
		ks.creds[c.AccessKey] = c
		secret := []byte(c.SecretKey)
		ks.macs[c.AccessKey] = &sync.Pool{New: func() any { return &macState{h: hmac.New(sha256.New, secret)} }}
	}
	k.keys.Store(ks)
}

// Lookup returns the credential with the given access key. The returned
// Projects slice is shared with the keyring and must not be modified.
func (k *Keyring) Lookup(accessKey string) (Credential, bool) {
	c, _, ok := k.lookup(accessKey)
	return c, ok
}

// lookup is Lookup that also returns the pool of *macState keyed with the
// credential's secret key.
func (k *Keyring) lookup(accessKey string) (Credential, *sync.Pool, bool) {
	if k == nil {
		return Credential{}, nil, false
	}
	ks := k.keys.Load()
	if ks == nil {
		return Credential{}, nil, false
	}
	c, ok := ks.creds[accessKey]
	return c, ks.macs[accessKey], ok
}
