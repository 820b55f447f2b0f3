package dev.weft.bench.common;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection on a plain socket: sends a request, reads the whole response
 * (Content-Length, chunked, or until close) and returns its status. Cheap enough that the load
 * generator takes as little CPU from the service as possible, and it has no pool or retry of its
 * own, so C workers mean exactly C connections.
 */
public final class HttpConnection implements Closeable {

    private static final int MAX_LINE = 16 * 1024;

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] skipBuffer = new byte[8192];
    private final StringBuilder line = new StringBuilder(128);

    /** Last response's body, when the caller asked to keep it. */
    private byte[] body;

    public HttpConnection(String host, int port, int timeoutMillis) {
        this.host = host;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    public static byte[] get(String host, int port, String pathAndQuery) {
        return ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nAccept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] postJson(String host, int port, String path, String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: "
                + payload.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + payload.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(payload, 0, all, head.length, payload.length);
        return all;
    }

    /** Sends {@code request} (connecting first if needed) and returns the response status. */
    public int exchange(byte[] request, boolean keepBody) throws IOException {
        if (socket == null) {
            connect();
        }
        out.write(request);
        out.flush();
        return readResponse(keepBody);
    }

    public byte[] body() {
        return body;
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMillis);
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(s.getOutputStream(), 4096);
    }

    private int readResponse(boolean keepBody) throws IOException {
        String statusLine = readLine();
        // "HTTP/1.1 200 " or "HTTP/1.1 200 OK"
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0");
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            int colon = header.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> contentLength = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        ByteArrayOutputStream kept = keepBody ? new ByteArrayOutputStream() : null;
        if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
            // no body
        } else if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                consume(size, kept);
                readLine();
            }
            for (String trailer = readLine(); !trailer.isEmpty(); trailer = readLine()) {
                // ignore trailers
            }
        } else if (contentLength >= 0) {
            consume(contentLength, kept);
        } else {
            consumeToEof(kept);
            close = true;
        }
        body = kept == null ? null : kept.toByteArray();
        if (close) {
            close();
        }
        return status;
    }

    private long chunkSize() throws IOException {
        String sizeLine = readLine();
        int semi = sizeLine.indexOf(';');
        return Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
    }

    private void consume(long n, ByteArrayOutputStream kept) throws IOException {
        while (n > 0) {
            int r = in.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n));
            if (r < 0) {
                throw new EOFException("connection closed in the middle of a response body");
            }
            if (kept != null) {
                kept.write(skipBuffer, 0, r);
            }
            n -= r;
        }
    }

    private void consumeToEof(ByteArrayOutputStream kept) throws IOException {
        for (int r = in.read(skipBuffer); r >= 0; r = in.read(skipBuffer)) {
            if (kept != null) {
                kept.write(skipBuffer, 0, r);
            }
        }
    }

    private String readLine() throws IOException {
        line.setLength(0);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed by the server");
            }
            if (c == '\n') {
                int len = line.length();
                if (len > 0 && line.charAt(len - 1) == '\r') {
                    line.setLength(len - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("response line longer than " + MAX_LINE);
            }
            line.append((char) c);
        }
    }

    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
