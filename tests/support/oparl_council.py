"""A council information system on loopback for the outcome import: a threaded http.server
serving OParl JSON fixtures (System → Body → paginated Papers with Consultations, AgendaItems,
Meetings). Routes can be switched to fail: HTTP error, invalid JSON, a pause longer than the
client's timeout, or pagination that loops."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPARL = "https://schema.oparl.org/1.1/"


class CouncilServer:
    def __init__(self):
        self.routes: dict[str, tuple[int, bytes, float]] = {}
        self.hits: list[str] = []
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits.append(self.path)
                status, body, delay = server.routes.get(self.path, (404, b'{"type": "Error"}', 0))
                if delay:
                    server.released.wait(delay)  # stop() ends the pause at once
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # A short poll interval: shutdown() waits for the serve loop's next look at its flag (0.5 s by default).
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def put(self, path: str, data, status: int = 200, delay: float = 0):
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.routes[path] = (status, body, delay)

    def load_council(self, decisions: dict[str, tuple[str, str]], filler: int = 3, per_page: int = 2):
        """A council with its own papers plus ours: decisions = {reference: (result, meeting start)}.
        Papers are paginated per_page per page; consultations, agenda items and meetings are separate
        objects (linked by URL), as a real OParl server would serve them."""
        u = self.url
        self.put(
            "/oparl/v1/",
            {"id": f"{u}/oparl/v1/", "type": OPARL + "System", "oparlVersion": OPARL, "body": f"{u}/oparl/v1/bodies"},
        )
        body = {
            "id": f"{u}/oparl/v1/body/1",
            "type": OPARL + "Body",
            "name": "Kreis (Rat)",
            "paper": f"{u}/oparl/v1/body/1/papers",
        }
        self.put("/oparl/v1/bodies", {"data": [body], "pagination": {}, "links": {}})
        self.put("/oparl/v1/body/1", body)
        papers = [
            {
                "id": f"{u}/oparl/v1/paper/f{i}",
                "type": OPARL + "Paper",
                "reference": f"RAT/2026/{i:03d}",
                "name": f"Fremde Vorlage {i}",
                "consultation": [],
            }
            for i in range(filler)
        ]
        for n, (ref, (result, start)) in enumerate(decisions.items(), start=1):
            cid, aid, mid = (
                f"{u}/oparl/v1/consultation/{n}",
                f"{u}/oparl/v1/agendaItem/{n}",
                f"{u}/oparl/v1/meeting/{n}",
            )
            papers.append(
                {
                    "id": f"{u}/oparl/v1/paper/{n}",
                    "type": OPARL + "Paper",
                    "reference": ref,
                    "name": "Übernommene Vorlage",
                    "consultation": [
                        {
                            "id": f"{u}/oparl/v1/consultation/v{n}",
                            "type": OPARL + "Consultation",
                            "authoritative": False,
                            "role": "Vorberatung",
                        },
                        cid,
                    ],
                }
            )
            self.put(
                f"/oparl/v1/consultation/{n}",
                {
                    "id": cid,
                    "type": OPARL + "Consultation",
                    "paper": f"{u}/oparl/v1/paper/{n}",
                    "agendaItem": aid,
                    "meeting": mid,
                    "organization": [f"{u}/oparl/v1/organization/ausschuss"],
                    "authoritative": True,
                    "role": "Entscheidung",
                },
            )
            self.put(
                f"/oparl/v1/agendaItem/{n}",
                {
                    "id": aid,
                    "type": OPARL + "AgendaItem",
                    "order": 4,
                    "meeting": mid,
                    "name": "Vorlage",
                    "result": result,
                },
            )
            self.put(
                f"/oparl/v1/meeting/{n}", {"id": mid, "type": OPARL + "Meeting", "name": "Ausschuss", "start": start}
            )
        pages = [papers[i : i + per_page] for i in range(0, len(papers), per_page)]
        for i, chunk in enumerate(pages, start=1):
            path = "/oparl/v1/body/1/papers" + (f"?page={i}" if i > 1 else "")
            links = {"next": f"{u}/oparl/v1/body/1/papers?page={i + 1}"} if i < len(pages) else {}
            self.put(path, {"data": chunk, "pagination": {"currentPage": i, "totalPages": len(pages)}, "links": links})
        return len(pages)
