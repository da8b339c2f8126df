package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// The checks of the settings that name something outside ledgerd (URLs, files, NATS names):
// a value ledgerd would take and never be able to use is refused at start, with the value,
// rather than retried for ever or read as something else.

// natsSchemes are the schemes nats.go dials.
var natsSchemes = map[string]bool{"nats": true, "tls": true, "ws": true, "wss": true}

// checkNATSURLs refuses a -nats-url entry nats.go cannot dial: a scheme other than the ones it
// dials, no host, an invalid port, or a path, query or fragment (meaningless to NATS). An entry
// without a scheme is a host or host:port, as nats.go reads it (it adds nats:// and the port
// 4222): "nats", "nats-1:4222". Empty entries are skipped, as nats.go skips them; a setting of
// none but empty ones is refused. Credentials in the URL (user:password@) are NATS's own form, and
// allowed; the error shows them redacted.
func checkNATSURLs(setting string) []error {
	var errs []error
	given := 0
	for _, s := range strings.Split(setting, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		given++
		dial := s
		if !strings.Contains(s, "://") {
			dial = "nats://" + s
		}
		u, err := url.Parse(dial)
		if err != nil || !natsSchemes[u.Scheme] || u.Hostname() == "" || u.Opaque != "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(dial, "#") || !validPort(u.Port(), true) {
			errs = append(errs, fmt.Errorf("nats url %q: want [nats://]host[:port] (or tls://, ws://, wss://), comma-separated for a cluster", redactedURL(s, u, err)))
		}
	}
	if given == 0 {
		errs = append(errs, fmt.Errorf("nats url %q: names no server", setting))
	}
	return errs
}

// redactedNATSURLs is a -nats-url setting for the log: the password of each URL's user info
// (NATS's user:password@ form) as xxxxx.
func redactedNATSURLs(setting string) string {
	parts := strings.Split(setting, ",")
	for i, s := range parts {
		s = strings.TrimSpace(s)
		u, err := url.Parse(s)
		parts[i] = redactedURL(s, u, err)
	}
	return strings.Join(parts, ",")
}

// validPort says whether p is a port number (empty: none given, when allowed).
func validPort(p string, emptyOK bool) bool {
	if p == "" {
		return emptyOK
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && p == strconv.Itoa(n)
}

// redactedURL is s with the password of its user info, if any, replaced by xxxxx.
func redactedURL(s string, u *url.URL, err error) string {
	if err != nil || u == nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// checkHTTPURL refuses a setting that must be an absolute http(s) URL ("what" names it) but is
// not, or that carries a fragment (never sent). User info (user:password@, which Go's HTTP client
// sends as basic authentication) is refused unless userOK: where the service has a credential
// setting of its own (the card-verification token) it would only show in process lists and logs;
// the JWKS and register URLs have none, and are logged redacted.
func checkHTTPURL(what, s string, userOK bool) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" ||
		(u.User != nil && !userOK) || u.Fragment != "" || strings.HasSuffix(s, "#") || !validPort(u.Port(), true) {
		want := "want an absolute http or https URL without user info or fragment"
		if userOK {
			want = "want an absolute http or https URL without fragment"
		}
		return fmt.Errorf("%s %q: %s", what, redactedURL(s, u, err), want)
	}
	return nil
}

// checkNotDirectory refuses a file setting that names a directory (what names the setting).
// A file that does not exist yet is not refused here: some are made at start (the key file).
func checkNotDirectory(what, path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s %s: is a directory, want a file", what, path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// checkInputFile refuses a file setting that names no file or a directory: the file is only
// read, never made.
func checkInputFile(what, path string) error {
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %s: no such file", what, path)
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	case fi.IsDir():
		return fmt.Errorf("%s %s: is a directory, want a file", what, path)
	}
	return nil
}

// streamNameRE are the JetStream stream names ledgerd can use: the key bucket is named after the
// stream ({stream}_KEYS), and a bucket's name takes only these characters; '.', '*', '>' and
// whitespace make no stream at all (ledgerd retried creating it for ever).
var streamNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkNATSListen refuses an embedded server's listen address that is not host:port.
func checkNATSListen(addr string) error {
	_, p, err := net.SplitHostPort(addr)
	if err != nil || (p != "0" && !validPort(p, false)) {
		return fmt.Errorf("nats listen address %q: want host:port (port 0: a free one)", addr)
	}
	return nil
}

// natsProblems checks the NATS settings (flags_check.go).
func (o *Options) natsProblems() []error {
	var errs []error
	if o.NATSURL != "" {
		errs = append(errs, checkNATSURLs(o.NATSURL)...)
	} else {
		if err := checkNATSListen(o.NATSListen); err != nil {
			errs = append(errs, err)
		}
		// Given for the embedded server they would be ignored (or fail its in-process connection).
		if o.NATSCreds != "" || o.NATSCA != "" {
			errs = append(errs, errors.New("nats creds and nats ca are for an external NATS server: set -nats-url too, or leave them empty"))
		}
	}
	if !streamNameRE.MatchString(o.NATSStream) {
		errs = append(errs, fmt.Errorf("nats stream %q: want 1 to 64 letters, digits, '-' or '_'", o.NATSStream))
	}
	return errs
}

// fileProblems checks the settings that name files and outside services.
func (o *Options) fileProblems() []error {
	var errs []error
	switch pr := o.PopulationRegister; {
	case pr == "":
	case strings.Contains(pr, "://"):
		// "ftp://x" was read as a file path; only a register service is a URL.
		if err := checkHTTPURL("population register", pr, true); err != nil {
			errs = append(errs, err)
		}
	default:
		errs = append(errs, checkInputFile("population register", pr))
	}
	if cv := o.CardVerification; cv != "sandbox" && cv != "" {
		if err := checkHTTPURL("card verification", cv, false); err != nil {
			errs = append(errs, err)
		}
		// What cardverify.NewHTTP requires, refused here as a bad value rather than in Run.
		if o.CardVerificationToken == "" {
			errs = append(errs, errors.New("card verification token: required with an external provider"))
		}
		if n := len(o.CardVerificationCallbackSecret); n < 32 {
			errs = append(errs, fmt.Errorf("card verification callback secret: %d bytes, want at least 32 with an external provider", n))
		}
	} else if o.CardVerificationToken != "" || o.CardVerificationCallbackSecret != "" {
		// Ignored with the sandbox: the operator believes an external provider is used.
		errs = append(errs, errors.New("card verification token and callback secret are for an external provider, but -card-verification is sandbox"))
	}
	for _, a := range []struct{ what, addr string }{{"http addr", o.HTTPAddr}, {"pprof addr", o.PprofAddr}} {
		if a.addr == "" && a.what == "pprof addr" {
			continue
		}
		if _, port, err := net.SplitHostPort(a.addr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("%s %q: want host:port (host empty: every interface; port 0: a free one)", a.what, a.addr))
		}
	}
	if o.JWKSURL != "" {
		if err := checkHTTPURL("jwks url", o.JWKSURL, true); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range []struct{ what, path string }{
		{"key file", o.KeyFile}, {"master key file", o.MasterKeyFile}, {"key store", o.KeyStore}, // may be made at start
	} {
		errs = append(errs, checkNotDirectory(f.what, f.path))
	}
	for _, f := range []struct{ what, path string }{
		{"config", o.ConfigFile}, {"nats creds", o.NATSCreds}, {"nats ca", o.NATSCA}, // only read
	} {
		errs = append(errs, checkInputFile(f.what, f.path))
	}
	if o.AdminSocket != "off" {
		errs = append(errs, checkNotDirectory("admin socket", o.AdminSocket))
	}
	return errs
}
