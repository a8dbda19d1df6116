"""TLS client for crates/cli/tests/interop.rs, built on Python's own `ssl` module.

Connects to 127.0.0.1:PORT, verifies the server against --cafile with host name checking on
(`--server-hostname` is both the SNI name and the name checked against the certificate), optionally
presents a client certificate chain, sends `GET / HTTP/1.0` and reads the answer until the server
closes the connection.

Prints one JSON object on standard output and exits 0 whatever the TLS outcome:
  {"outcome": "ok", "tls_version": ..., "cipher": ..., "peer_certificate_der_hex": ..., "response": ...}
  {"outcome": "refused", "error_kind": ..., "error": ...}
error_kind is "certificate-verify-failed" (this client rejected the server's certificate; the error
carries OpenSSL's verify message), "tls-error" (any other TLS failure, such as an alert sent by the
server), "connection-error" (reset, broken pipe, timeout) or "no-response" (the server closed the
connection without answering). Any other exit status is a bug in this script or its arguments.
"""

import argparse
import json
import socket
import ssl
import sys


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--server-hostname", required=True)
    parser.add_argument("--cert", help="client certificate chain (leaf first)")
    parser.add_argument("--key", help="private key of the client certificate")
    parser.add_argument("--timeout", type=float, default=10.0)
    return parser.parse_args()


def client_context(arguments):
    context = ssl.create_default_context(cafile=arguments.cafile)
    context.check_hostname = True
    # Python 3.13 and later verify strictly by default; ask for it on older versions too.
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    if arguments.cert:
        context.load_cert_chain(arguments.cert, arguments.key)
    return context


def exchange(arguments, context):
    with socket.create_connection(("127.0.0.1", arguments.port), timeout=arguments.timeout) as raw:
        with context.wrap_socket(raw, server_hostname=arguments.server_hostname) as tls:
            tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
            chunks = []
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            response = b"".join(chunks)
            if not response:
                return {"outcome": "refused", "error_kind": "no-response", "error": "closed without an answer"}
            return {
                "outcome": "ok",
                "tls_version": tls.version(),
                "cipher": tls.cipher()[0],
                "peer_certificate_der_hex": tls.getpeercert(binary_form=True).hex(),
                "response": response.decode("utf-8", errors="replace"),
            }


def main():
    arguments = parse_arguments()
    context = client_context(arguments)
    try:
        report = exchange(arguments, context)
    except ssl.SSLCertVerificationError as error:
        report = {
            "outcome": "refused",
            "error_kind": "certificate-verify-failed",
            "error": "{} ({})".format(error, error.verify_message),
        }
    except ssl.SSLError as error:
        report = {"outcome": "refused", "error_kind": "tls-error", "error": str(error)}
    except OSError as error:
        report = {"outcome": "refused", "error_kind": "connection-error", "error": repr(error)}
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
