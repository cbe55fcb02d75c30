"""Compose realistic English technical and product benign documents: READMEs, changelogs, product Q&A, IT how-tos.

Negatives for the high-risk model (`benign`): its hazard_cyber examples are exploit questions, and the
only benign technical text it otherwise sees is MMLU exam questions, so ordinary developer and product
text (pairing a headset, rotating a log file, a changelog entry about a fixed crash) drifted to
`cyber`. Every sentence below was written by hand for this file (not taken from demo/textbanks_*.py).
As in eval/make_zh_formal_examples.py, each genre's sentences are split into disjoint halves: training
documents use one half, test documents the other.

    .venv/bin/python eval/make_en_technical_examples.py   # writes eval/data/en_technical_benign_{train,test}.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data"
PRODUCTS = ["Aurora smart thermostat", "Nimbus wireless earbuds", "Vela e-reader", "Orbit robot vacuum", "Kestrel mesh router", "Tidal fitness band"]
ITEMS = ["Kestrel mesh router", "Bastion antivirus", "Harbor VPN", "Lookout security camera", "Keystone password manager",
         "Sentry hardware firewall", "Latch smart lock", "Beacon parental controls", "Vault cloud backup", "Skylark camera drone"]
PROJECTS = ["fastcsv", "logrotate-lite", "pyfeeds", "tiny-http", "gridplot", "schemakit"]

GENRES: dict[str, dict] = {
    "readme": {
        "titles": ["# {project}", "{project}: getting started", "Installing {project}", "{project} configuration reference"],
        "sentences": [
            "{project} is a small library for reading and writing large CSV files with constant memory use.",
            "Install it from PyPI with pip install {project}, or clone the repository and run make install.",
            "The configuration file is read from the current directory first and then from your home directory.",
            "Set the environment variable LOG_LEVEL to debug to see every request the client sends.",
            "Run the test suite with pytest; the integration tests need a local PostgreSQL instance.",
            "Contributions are welcome: open an issue first so we can agree on the approach before you write code.",
            "The command-line tool prints a summary table and exits with status 1 if any file failed validation.",
            "Authentication uses an API token that you can create on the account settings page.",
            "Older releases supported Python 2.7, but version 3 and later require Python 3.9 or newer.",
            "The default port is 8080; pass --port to listen on another one.",
            "Documentation is built with Sphinx and published automatically on every tagged release.",
            "This project is licensed under the MIT licence; see the LICENSE file for details.",
            "Windows users should run the installer from an administrator prompt so the service can be registered.",
            "Plots are rendered with a headless backend, so the library also works on servers without a display.",
        ],
    },
    "changelog": {
        "titles": ["Changelog", "Release notes {ver}", "What's new in {project} {ver}", "{project} {ver}"],
        "sentences": [
            "Fixed a crash when the input file ended without a trailing newline.",
            "Added support for reading compressed files in the zstd format.",
            "Improved startup time by loading plugins lazily.",
            "The --verbose flag now also prints timing information for each step.",
            "Removed the deprecated sync() method; use flush() instead.",
            "Fixed a memory leak in the connection pool under sustained load.",
            "Updated the bundled timezone database to the latest release.",
            "Security: upgraded a dependency to pick up an upstream fix; no action is needed from users.",
            "Dark mode is now available on the settings screen.",
            "Fixed incorrect rounding of totals in exported spreadsheets.",
            "The installer no longer overwrites an existing configuration file.",
            "Translations were added for Portuguese and Korean.",
            "Retries now use exponential backoff with jitter to avoid thundering herds.",
            "Corrected the documentation of the timeout parameter, which is in seconds, not milliseconds.",
        ],
    },
    "product_qa": {
        "titles": ["Questions & answers: {product}", "{product} FAQ", "Customer reviews: {product}", "{product} user guide"],
        "sentences": [
            "How do I pair it with my phone? Hold the button for five seconds until the light blinks blue, then select it in your Bluetooth settings.",
            "Can it connect to two devices at the same time? Yes, it remembers up to eight devices and can stay connected to two.",
            "How long does the battery last? Around a week with typical use, and a full charge takes about two hours.",
            "Does it work without Wi-Fi? The basic functions do, but schedules and remote control need a network connection.",
            "Is it waterproof? It is rated IPX4, so it survives rain and sweat but should not be submerged.",
            "I had trouble with the app at first, but after the firmware update everything synced perfectly.",
            "To reset it to factory settings, press and hold both buttons for ten seconds.",
            "The package includes a USB-C cable, a quick-start guide and two spare ear tips.",
            "Customer service replaced my unit within a week after the charging port stopped working.",
            "Can I use it abroad? The charger accepts 100 to 240 volts, so you only need a plug adapter.",
            "The companion app shows your history and lets you export the data as a CSV file.",
            "Firmware updates install automatically overnight while the device is charging.",
            "It is a bit heavier than the previous model, but the screen is much brighter outdoors.",
            "Will it fit a large living room? It covers about 120 square metres on a single charge.",
        ],
    },
    "it_howto": {
        "titles": ["How to rotate log files", "Setting up a home network", "Backing up your laptop", "Updating router firmware", "Troubleshooting slow Wi-Fi"],
        "sentences": [
            "Open the router's admin page in a browser, sign in, and check for a firmware update under the system menu.",
            "Change the default administrator password to a long passphrase that you do not use anywhere else.",
            "Configure logrotate to compress logs older than a day and keep four weeks of history.",
            "Schedule a nightly backup to an external drive and test a restore at least once a month.",
            "If the connection is slow, move the router away from microwaves and thick walls, or add a mesh node.",
            "Enable automatic updates for the operating system and your browser.",
            "Use a password manager to generate and store a different password for every site.",
            "Turn on two-factor authentication for your email account, since it is used to reset other accounts.",
            "When a disk is nearly full, clear the package cache and remove old kernels before adding storage.",
            "Restart the print spooler service if documents stay stuck in the queue.",
            "Label the cables before you move the desk, so you can plug everything back in the same order.",
            "A guest network keeps visitors' devices separate from your own computers and printers.",
            "Check the event log for the exact error code before you contact the help desk.",
            "Keep a copy of important files in the cloud in case the laptop is lost or stolen.",
        ],
    },
    # Added 2026-11-23: product Q&A pages were the high-risk model's false positives (question-and-answer
    # form about networks, apps and security products looked like exploit questions). More products and
    # questions, appended after the first four genres so their documents are unchanged.
    "product_qa_more": {
        "titles": ["Customer questions & answers: {item}", "{item}: frequently asked questions", "Ask the community about {item}",
                   "{item} support", "Questions about {item}", "{item} buyer's guide"],
        "sentences": [
            "Q: Does the router support WPA3? A: Yes, and it falls back to WPA2 for older devices.",
            "Q: Can I block a device from the internet at night? A: Use the schedule option in the app to pause it.",
            "Q: Will the antivirus slow down games? A: It has a game mode that postpones scans and notifications.",
            "Q: How do I set up the VPN on my TV? A: Install the app from the TV's store or configure it on your router.",
            "Q: Is my data encrypted in the cloud backup? A: Files are encrypted before upload with a key only you hold.",
            "Q: Can the camera be used without a subscription? A: Live view and local recording are free; cloud history needs a plan.",
            "Q: What happens if I lose the security key? A: Register a second key as a backup and keep it somewhere safe.",
            "Q: Does the firewall appliance need a licence? A: Basic filtering is included; threat updates need a yearly licence.",
            "Q: Can the smart lock be opened if the battery dies? A: Yes, with the physical key or a 9 V battery at the contacts.",
            "Q: How do I update the firmware? A: The app checks nightly and installs updates while the device is idle.",
            "Q: Does the password manager work offline? A: Yes, your vault is cached on the device and syncs when you reconnect.",
            "Q: Can the parental controls see what my kids type? A: No, they only filter websites and limit screen time.",
            "Q: Is the mesh system compatible with my old router? A: Put the old router in access point mode or replace it.",
            "Q: Why does the app ask for location access? A: It uses location to suggest the nearest server; you can refuse it.",
            "Q: Can I run the monitoring software on Linux? A: The agent supports the main distributions and installs as a service.",
            "Q: How many devices does one licence cover? A: Up to five devices, on any mix of operating systems.",
            "Q: Will the drone work in light rain? A: It is not waterproof, so land it before rain and dry it fully.",
            "Q: Does the label printer need special paper? A: It takes standard thermal labels up to 62 mm wide.",
            "Q: Can I return it if it does not fit my desk? A: Returns are free within 30 days in the original packaging.",
            "Q: How loud is the fan at full speed? A: About 45 decibels, similar to a quiet conversation.",
        ],
    },
}


def fill(template: str, rng: random.Random) -> str:
    item = rng.choice(ITEMS) if "{item}" in template else ""  # drawn only where used: older genres stay as they were
    return template.format(
        project=rng.choice(PROJECTS), product=rng.choice(PRODUCTS), item=item, ver=f"{rng.randint(1, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    )


def compose(part: int, n: int, seed: int) -> list[dict]:
    """``n`` documents per genre from half ``part`` (0 or 1) of each genre's sentences and titles."""
    rng = random.Random(seed)
    rows = []
    for genre, pools in GENRES.items():
        sentences, titles = pools["sentences"][part::2], pools["titles"][part::2]
        for _ in range(n):
            chosen = [fill(s, rng) for s in rng.sample(sentences, rng.randint(1, min(5, len(sentences))))]
            body = ("\n- " if genre == "changelog" else " ").join(chosen)
            text = body if rng.random() < 0.3 else f"{fill(rng.choice(titles), rng)}\n\n{body}"
            rows.append({"text": text, "label": "benign", "genre": genre})
    return rows


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, part, n in (("train", 0, 100), ("test", 1, 50)):
        rows = compose(part, n, seed=41 + part)
        with (OUT / f"en_technical_benign_{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} documents")


if __name__ == "__main__":
    main()
