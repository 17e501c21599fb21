package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The received signature is compared with the expected one in constant time
// (auth.md §5 step 10), so that response timing tells an attacker nothing
// about how many leading bytes of a forged signature are right. Timing
// cannot be measured reliably in a test; this test checks the code instead:
// Verify compares with hmac.Equal, and no code of the package compares a
// signature with a variable-time operation (==, !=, bytes.Equal,
// strings.Compare, strings.EqualFold).
func TestSignatureComparedInConstantTime(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	verifyUsesHMACEqual := false
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		text := func(n ast.Node) string {
			return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
		}
		// In Verify, the values hmac.Equal compares count as signatures
		// too, whatever they are called.
		var compared []string
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "Verify" || fd.Recv == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok && text(c.Fun) == "hmac.Equal" {
					verifyUsesHMACEqual = true
					for _, arg := range c.Args {
						ast.Inspect(arg, func(n ast.Node) bool {
							if id, ok := n.(*ast.Ident); ok {
								compared = append(compared, id.Name)
							}
							return true
						})
					}
				}
				return true
			})
		}
		aboutSignature := func(e ast.Expr) bool {
			if strings.Contains(strings.ToLower(text(e)), "signature") {
				return true
			}
			found := false
			ast.Inspect(e, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && slices.Contains(compared, id.Name) {
					found = true
				}
				return !found
			})
			return found
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (aboutSignature(n.X) || aboutSignature(n.Y)) &&
					!isEmptyOrNil(n.X) && !isEmptyOrNil(n.Y) {
					t.Errorf("%s: %s compares a signature in variable time", fset.Position(n.Pos()), text(n))
				}
			case *ast.CallExpr:
				switch fn := text(n.Fun); fn {
				case "bytes.Equal", "bytes.Compare", "strings.Compare", "strings.EqualFold":
					for _, arg := range n.Args {
						if aboutSignature(arg) {
							t.Errorf("%s: %s compares a signature in variable time", fset.Position(n.Pos()), text(n))
						}
					}
				}
			}
			return true
		})
	}
	if !verifyUsesHMACEqual {
		t.Error("(*Verifier).Verify does not compare signatures with hmac.Equal")
	}
}

// isEmptyOrNil reports whether e is "" or nil: a comparison with them tells
// nothing beyond presence.
func isEmptyOrNil(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Value == `""` || e.Value == "``"
	case *ast.Ident:
		return e.Name == "nil"
	}
	return false
}

// The comparison covers every byte of the signature, and hex case does not
// matter (auth.md §5 step 10 compares lower-cased).
func TestSignatureComparison(t *testing.T) {
	const sigA = "418d7305c6651c178098378b86f620c742447f0fb90cd3d841b76d7e267d5ab4"
	v := newExampleVerifier()
	verify := func(sig string) error {
		r, body := readWire(t, "POST", exPathA, []header{
			{"Content-Type", "application/json"},
			{"User-Agent", exUA},
			{"X-Project-Id", exProject},
			{"X-Sdk-Date", exDate},
			{"Authorization", strings.Replace(exAuthA, sigA, sig, 1)},
		}, exBodyA)
		_, err := v.Verify(r, body)
		return err
	}
	if err := verify(sigA); err != nil {
		t.Fatalf("example A: %v", err)
	}
	if err := verify(strings.ToUpper(sigA)); err != nil {
		t.Errorf("example A with an upper-case signature: %v", err)
	}
	flip := func(i int) string {
		b := []byte(sigA)
		if b[i] == '0' {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
		return string(b)
	}
	for _, i := range []int{0, 31, 63} {
		err := verify(flip(i))
		if err == nil || !strings.Contains(err.Error(), msgBadSignature) {
			t.Errorf("signature with hex digit %d changed: %v, want %q", i, err, msgBadSignature)
		}
	}
}
