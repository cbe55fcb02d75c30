"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``): no
driver, no extra Python package. It records every request a page makes (``Network.requestWillBeSent``),
so a test can assert that nothing but ``file:``/``data:`` URLs was asked for; the network is closed
as well (an unreachable proxy, every host name resolving to nothing) so a request that tries to
leave fails at once instead of waiting. Also: screenshots, JavaScript evaluation, print to PDF."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, executable: str | None = None, width: int = 1400, height: int = 900):
        """Start Chromium (``executable`` or the first of chromium / chromium-browser / google-chrome)."""
        self.executable = executable or chromium()
        if not self.executable:
            raise RuntimeError("no chromium")
        self.profile = tempfile.mkdtemp(prefix="cdp-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [
            self.executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--allow-file-access-from-files", f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank",
        ]
        self.proc = subprocess.Popen(
            args, preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._id = 0
        self._buf = b""
        self.events: list[dict] = []
        self.session = None

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self) -> dict:
        while b"\0" not in self._buf:
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None):
        return self._send(method, params, self.session)

    def open(self, url: str, width: int = 1400, height: int = 900, media: str | None = None, settle: float = 1.0):
        """Load ``url`` in a new tab of ``width`` CSS pixels (``media="print"`` emulates print CSS)."""
        self.events.clear()
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Network.enable")
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        if media:
            self.call("Emulation.setEmulatedMedia", {"media": media})
        self.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired", 30)
        time.sleep(settle)
        self.call("Runtime.evaluate", {"expression": "1"})  # drain events

    def wait_for(self, method: str, timeout: float):
        end = time.time() + timeout
        seen = len(self.events)
        while time.time() < end:
            for e in self.events[seen:]:
                if e.get("method") == method:
                    return e
            seen = len(self.events)
            self.events.append(self._read())
        raise TimeoutError(method)

    def requests(self) -> list[str]:
        """Every URL the current page asked for."""
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def evaluate(self, expression: str):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        return r["result"].get("value")

    def screenshot(self, path: Path, full: bool = True):
        params = {"format": "png", "captureBeyondViewport": full}
        if full:
            w, h = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
        Path(path).write_bytes(base64.b64decode(self.call("Page.captureScreenshot", params)["data"]))

    def pdf(self, path: Path) -> int:
        """Print the page (its print CSS, its @page size) to ``path``; return the number of pages."""
        data = base64.b64decode(self.call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})["data"])
        Path(path).write_bytes(data)
        return len(re.findall(rb"/Type\s*/Page[^s]", data))

    def close(self):
        try:
            self._send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)


# Elements whose content does not fit: a box that clips (overflow hidden/auto/scroll or text-overflow)
# and is narrower than what it holds, or anything reaching past the right edge of the page.
CLIPPED_JS = """
(() => {
  const out = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const clips = ['hidden', 'auto', 'scroll', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1) out.push(el.tagName + ' ' + (el.id || el.className) + ' clipped');
    const tag = el.tagName;
    if ((tag === 'TD' || tag === 'TH') && el.scrollWidth > el.clientWidth + 1) out.push(tag + ' ' + el.textContent.trim().slice(0, 40) + ' overflows its cell');
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) out.push(el.tagName + ' ' + (el.id || el.className) + ' past the right edge ' + Math.round(box.right));
  }
  return out;
})()
"""

# Overlapping text in the page's SVG plots (a legend over bars, labels over labels): pairs of text
# boxes of one SVG that intersect, and text boxes that intersect a bar (path/rect) they do not label.
SVG_TEXT_OVERLAPS_JS = """
(() => {
  const out = [];
  const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const svg of document.querySelectorAll('svg')) {
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => [t.textContent.trim(), t.getBoundingClientRect()]);
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++)
        if (meet(texts[i][1], texts[j][1])) out.push(texts[i][0] + ' / ' + texts[j][0]);
  }
  return out;
})()
"""
