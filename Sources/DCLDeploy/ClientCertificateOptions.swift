// `--tls-cert`/`--tls-key` on the client commands (`dcl device`, `dcl status`): a client
// certificate is for a service that asks for one, over TLS, so it needs `--tls-ca` and comes
// with its key.

import ArgumentParser

func validateClientCertificate(ca: String?, certificate: String?, key: String?) throws {
    guard (certificate == nil) == (key == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
    guard certificate == nil || ca != nil else {
        throw ValidationError("--tls-cert needs --tls-ca: a client certificate is presented over TLS, to a service this host trusts")
    }
}
