// An independent verifier of a running ledgerd, written against Go's sumdb packages
// (golang.org/x/mod/sumdb/note and .../tlog) rather than the ledger's own code: it checks the
// signed checkpoint, receipts and inclusion proofs of events, and the consistency of an earlier
// checkpoint with the latest, all over HTTP.
//
//	verifier URL TOKEN VKEY_FILE SAVE_CHECKPOINT [EARLIER_CHECKPOINT]
//
// Prints one line per check and exits 1 at the first that fails.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base, token string

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		fail("%s: %v", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("%s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		fail("%s: status %d: %s", path, resp.StatusCode, body)
	}
	return body
}

func hash(b64 string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		fail("not a base64 hash: %q", b64)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
	text   []byte
}

func openCheckpoint(msg []byte, verifier note.Verifier) checkpoint {
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("checkpoint text: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || strconv.FormatInt(size, 10) != lines[1] {
		fail("checkpoint size: %q", lines[1])
	}
	return checkpoint{lines[0], size, hash(lines[2]), msg}
}

func main() {
	if len(os.Args) < 5 {
		fail("usage: verifier URL TOKEN VKEY_FILE SAVE_CHECKPOINT [EARLIER_CHECKPOINT]")
	}
	base, token = os.Args[1], os.Args[2]
	vkey, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail("%v", err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fail("verifier key: %v", err)
	}

	latest := openCheckpoint(get("/v1/checkpoint"), verifier)
	fmt.Printf("ok checkpoint %s size %d signed by %s\n", latest.origin, latest.size, verifier.Name())
	if latest.size == 0 {
		fail("the log is empty")
	}
	if err := os.WriteFile(os.Args[4], latest.text, 0o644); err != nil {
		fail("%v", err)
	}

	seqs := []int64{1, (latest.size + 1) / 2, latest.size}
	for _, seq := range seqs {
		// The receipt: the record, its index and path, under a signed checkpoint.
		receipt := get(fmt.Sprintf("/v1/events/%d/receipt", seq))
		parts := bytes.SplitN(receipt, []byte("\n\n"), 2)
		if len(parts) != 2 {
			fail("receipt %d: no checkpoint", seq)
		}
		under := openCheckpoint(parts[1], verifier)
		lines := strings.Split(string(parts[0]), "\n")
		if lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "extra ") ||
			!strings.HasPrefix(lines[2], "index ") {
			fail("receipt %d: not a tlog-proof: %q", seq, parts[0])
		}
		record, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "extra "))
		if err != nil || len(record) < 16 || int64(binary.BigEndian.Uint64(record)) != seq {
			fail("receipt %d: the record does not start with its seq", seq)
		}
		index, err := strconv.ParseInt(strings.TrimPrefix(lines[2], "index "), 10, 64)
		if err != nil || index != seq-1 {
			fail("receipt %d: index %q", seq, lines[2])
		}
		var proof tlog.RecordProof
		for _, l := range lines[3:] {
			proof = append(proof, hash(l))
		}
		if err := tlog.CheckRecord(proof, under.size, under.root, index, tlog.RecordHash(record)); err != nil {
			fail("receipt %d: %v", seq, err)
		}
		record[len(record)-1] ^= 1
		if tlog.CheckRecord(proof, under.size, under.root, index, tlog.RecordHash(record)) == nil {
			fail("receipt %d: a changed record still verifies", seq)
		}
		record[len(record)-1] ^= 1
		fmt.Printf("ok receipt of event %d under checkpoint size %d\n", seq, under.size)

		// The inclusion proof route, against the latest signed root.
		var inc struct {
			Proof []string `json:"proof"`
		}
		if err := json.Unmarshal(get(fmt.Sprintf("/v1/proofs/inclusion?seq=%d&size=%d", seq, latest.size)), &inc); err != nil {
			fail("inclusion %d: %v", seq, err)
		}
		var p tlog.RecordProof
		for _, h := range inc.Proof {
			p = append(p, hash(h))
		}
		if err := tlog.CheckRecord(p, latest.size, latest.root, seq-1, tlog.RecordHash(record)); err != nil {
			fail("inclusion of %d in %d: %v", seq, latest.size, err)
		}
		fmt.Printf("ok inclusion of event %d in size %d\n", seq, latest.size)
	}

	if len(os.Args) > 5 {
		msg, err := os.ReadFile(os.Args[5])
		if err != nil {
			fail("%v", err)
		}
		earlier := openCheckpoint(msg, verifier)
		var con struct {
			Proof []string `json:"proof"`
		}
		path := fmt.Sprintf("/v1/proofs/consistency?from=%d&to=%d", earlier.size, latest.size)
		if err := json.Unmarshal(get(path), &con); err != nil {
			fail("consistency: %v", err)
		}
		var p tlog.TreeProof
		for _, h := range con.Proof {
			p = append(p, hash(h))
		}
		if err := tlog.CheckTree(p, latest.size, latest.root, earlier.size, earlier.root); err != nil {
			fail("consistency %d -> %d: %v", earlier.size, latest.size, err)
		}
		fmt.Printf("ok consistency from size %d to %d\n", earlier.size, latest.size)
	}
}
