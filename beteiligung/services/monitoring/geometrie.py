"""Reading area geometries: GeoJSON (WGS 84, EPSG:25832/25833 …) and zipped Shapefiles.

Pure functions without database access. ``read_features`` turns an uploaded file into
features in WGS 84 (shapely geometries) plus a German message per faulty feature; the
service in ``karten_import`` matches them to areas and stores them all-or-nothing.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

# Coordinate reference systems we accept, with a German name for reports.
KNOWN_CRS = {
    4326: "WGS 84 (EPSG:4326)",
    4258: "ETRS89 geografisch (EPSG:4258)",
    25832: "ETRS89 / UTM Zone 32N (EPSG:25832)",
    25833: "ETRS89 / UTM Zone 33N (EPSG:25833)",
    31466: "DHDN / Gauß-Krüger Zone 2 (EPSG:31466)",
    31467: "DHDN / Gauß-Krüger Zone 3 (EPSG:31467)",
    31468: "DHDN / Gauß-Krüger Zone 4 (EPSG:31468)",
    31469: "DHDN / Gauß-Krüger Zone 5 (EPSG:31469)",
    3857: "Web Mercator (EPSG:3857)",
}
WGS84 = 4326
MAX_FILE_BYTES = 50 * 1024 * 1024
DECIMALS = 6  # ~0.1 m in WGS 84


class GeometryFileError(Exception):
    """The file as a whole cannot be read (German message)."""


@dataclass
class GeoFeature:
    nummer: int  # 1-based position in the file
    schluessel: str | None  # value of the key property (area code), as text
    geometry: object | None = None  # shapely geometry in WGS 84
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.geometry is not None


@dataclass
class GeoFile:
    crs: int
    features: list[GeoFeature]
    properties: list[str]  # property names found (to offer as key field)

    @property
    def crs_label(self) -> str:
        return KNOWN_CRS.get(self.crs, f"EPSG:{self.crs}")


# --- coordinate reference systems -----------------------------------------------------------

_EPSG_RE = re.compile(r"EPSG(?::+|/+|::)(?:[\d.]*:)?(\d{4,5})$", re.IGNORECASE)


def crs_from_geojson(doc: dict) -> int:
    """EPSG code of a GeoJSON document's ``crs`` member; none means WGS 84 (RFC 7946)."""
    crs = doc.get("crs")
    if crs is None:
        return WGS84
    name = None
    if isinstance(crs, dict):
        props = crs.get("properties") or {}
        name = props.get("name") or props.get("code")
    if name is None:
        raise GeometryFileError("Die Angabe „crs“ der GeoJSON-Datei ist unvollständig: Projektion unbekannt.")
    name = str(name).strip()
    if name.upper() in {"URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84", "CRS84"}:
        return WGS84
    m = _EPSG_RE.search(name.replace("urn:ogc:def:crs:", "").replace("URN:OGC:DEF:CRS:", ""))
    if not m and name.isdigit():
        code = int(name)
    elif m:
        code = int(m.group(1))
    else:
        raise GeometryFileError(f"Unbekannte Projektion „{name}“. Unterstützt: {', '.join(KNOWN_CRS.values())}.")
    if code not in KNOWN_CRS:
        raise GeometryFileError(f"Unbekannte Projektion EPSG:{code}. Unterstützt: {', '.join(KNOWN_CRS.values())}.")
    return code


def crs_from_prj(wkt: str) -> int:
    """EPSG code from a Shapefile's .prj (ESRI WKT)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_wkt(wkt)
    except CRSError:
        raise GeometryFileError("Die .prj-Datei ist nicht lesbar: Projektion unbekannt.") from None
    code = crs.to_epsg(min_confidence=60)
    if code is None:
        # ESRI names such as "ETRS_1989_UTM_Zone_32N" sometimes carry no authority code
        for candidate in KNOWN_CRS:
            if crs.equals(CRS.from_epsg(candidate), ignore_axis_order=True):
                code = candidate
                break
    if code not in KNOWN_CRS:
        raise GeometryFileError(f"Unbekannte Projektion in der .prj-Datei ({crs.name}).")
    return code


_transformers: dict[int, object] = {}


def _to_wgs84(code: int):
    """Vectorised coordinate function for shapely.transform (identity for WGS 84)."""
    import numpy as np

    if code in (WGS84, 4258):
        return lambda xy: np.round(xy, DECIMALS)
    if code not in _transformers:
        from pyproj import Transformer

        _transformers[code] = Transformer.from_crs(code, WGS84, always_xy=True)
    t = _transformers[code]

    def fn(xy):
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([x, y]), DECIMALS)

    return fn


# --- validation ------------------------------------------------------------------------------


def _ring_errors(rings, where: str) -> list[str]:
    errors = []
    for k, ring in enumerate(rings):
        label = "Außenring" if k == 0 else f"Innenring {k}"
        if not isinstance(ring, (list, tuple)) or len(ring) < 4:
            errors.append(f"{where}{label} hat weniger als vier Punkte.")
            continue
        try:
            first, last = [float(v) for v in ring[0][:2]], [float(v) for v in ring[-1][:2]]
        except (TypeError, ValueError, IndexError):
            errors.append(f"{where}{label} enthält ungültige Koordinaten.")
            continue
        if first != last:
            errors.append(f"{where}{label} ist nicht geschlossen (erster und letzter Punkt verschieden).")
    return errors


def _geometry_errors(geom: dict) -> list[str]:
    """Structural checks on a raw GeoJSON geometry before shapely (which closes rings itself)."""
    if not isinstance(geom, dict):
        return ["Das Merkmal hat keine Geometrie."]
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if kind == "Polygon":
        return _ring_errors(coords or [], "")
    if kind == "MultiPolygon":
        errors = []
        for n, poly in enumerate(coords or [], start=1):
            errors += _ring_errors(poly or [], f"Teilfläche {n}: ")
        if not coords:
            errors.append("Die Multipolygon-Geometrie ist leer.")
        return errors
    return [f"Geometrietyp „{kind}“ ist keine Fläche (erwartet: Polygon oder MultiPolygon)."]


_VALIDITY_DE = {
    "Self-intersection": "Die Fläche überschneidet sich selbst",
    "Ring Self-intersection": "Ein Ring berührt oder schneidet sich selbst",
    "Too few points": "Zu wenige Punkte",
    "Interior is disconnected": "Das Innere der Fläche ist zerteilt",
    "Hole lies outside shell": "Ein Loch liegt außerhalb der Fläche",
    "Nested holes": "Verschachtelte Löcher",
    "Nested shells": "Teilflächen liegen ineinander",
    "Duplicate Rings": "Doppelte Ringe",
    "Invalid Coordinate": "Ungültige Koordinate",
}


def _validity_de(geom) -> str | None:
    from shapely.validation import explain_validity

    if geom.is_valid:
        return None
    reason = explain_validity(geom)
    key = reason.split("[")[0].strip()
    text = _VALIDITY_DE.get(key, f"Ungültige Geometrie ({key})")
    return f"{text}."


def _check_wgs84_range(geom) -> str | None:
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        return (
            "Die Koordinaten liegen nicht im Wertebereich von WGS 84 (Längen-/Breitengrad). "
            "Ist die Datei projiziert (z. B. EPSG:25832)? Dann muss sie die Projektion angeben."
        )
    return None


def _key_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _build(nummer: int, raw_geom, props: dict, key_field: str | None, code: int) -> GeoFeature:
    import shapely
    from shapely.geometry import shape

    key = _key_text(props.get(key_field)) if key_field else None
    feature = GeoFeature(nummer=nummer, schluessel=key)
    if key_field and key is None:
        feature.errors.append(f"Die Eigenschaft „{key_field}“ fehlt oder ist leer.")
    errors = _geometry_errors(raw_geom)
    if errors:
        feature.errors += errors
        return feature
    try:
        geom = shape(raw_geom)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        feature.errors.append("Die Geometrie ist nicht lesbar.")
        return feature
    if geom.is_empty:
        feature.errors.append("Die Geometrie ist leer.")
        return feature
    if code in (WGS84, 4258):
        problem = _check_wgs84_range(geom)
        if problem:
            feature.errors.append(problem)
            return feature
    problem = _validity_de(geom)
    if problem:
        feature.errors.append(problem)
        return feature
    geom = shapely.transform(geom, _to_wgs84(code))
    if not geom.is_valid:  # rounding can fold a sliver; repair silently only in that case
        geom = shapely.make_valid(geom)
    feature.geometry = geom
    return feature


# --- readers ---------------------------------------------------------------------------------


def read_geojson(data: bytes, key_field: str | None) -> GeoFile:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise GeometryFileError("Die Datei ist kein gültiges GeoJSON (JSON nicht lesbar).") from None
    if not isinstance(doc, dict):
        raise GeometryFileError("Die Datei ist kein gültiges GeoJSON.")
    code = crs_from_geojson(doc)
    if doc.get("type") == "FeatureCollection":
        raw = doc.get("features")
        if not isinstance(raw, list):
            raise GeometryFileError("Die FeatureCollection enthält keine Liste „features“.")
    elif doc.get("type") == "Feature":
        raw = [doc]
    else:
        raise GeometryFileError("Erwartet wird eine GeoJSON-FeatureCollection mit Flächen je Gebiet.")
    features, names = [], []
    for n, f in enumerate(raw, start=1):
        props = (f.get("properties") if isinstance(f, dict) else None) or {}
        for name in props:
            if name not in names:
                names.append(name)
        features.append(_build(n, f.get("geometry") if isinstance(f, dict) else None, props, key_field, code))
    return GeoFile(crs=code, features=features, properties=names)


def read_shapefile_zip(data: bytes, key_field: str | None) -> GeoFile:
    import shapefile  # pyshp

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise GeometryFileError("Die ZIP-Datei ist nicht lesbar.") from None
    names = [n for n in zf.namelist() if not n.startswith("__MACOSX/")]
    shps = [n for n in names if n.lower().endswith(".shp")]
    if len(shps) != 1:
        raise GeometryFileError("Die ZIP-Datei muss genau eine .shp-Datei enthalten (mit .dbf, .shx und .prj).")
    stem = shps[0][:-4]
    parts = {}
    for ext in ("shp", "shx", "dbf", "prj", "cpg"):
        match = [n for n in names if n.lower() == f"{stem.lower()}.{ext}"]
        if match:
            if zf.getinfo(match[0]).file_size > MAX_FILE_BYTES * 4:
                raise GeometryFileError("Die Shapefile-Dateien sind zu groß.")
            parts[ext] = zf.read(match[0])
    if "dbf" not in parts:
        raise GeometryFileError("Die .dbf-Datei (Sachdaten) fehlt in der ZIP-Datei.")
    if "prj" not in parts:
        raise GeometryFileError("Die .prj-Datei fehlt: die Projektion ist unbekannt.")
    code = crs_from_prj(parts["prj"].decode("latin-1"))
    encoding = parts.get("cpg", b"").decode("ascii", "ignore").strip() or "utf-8"
    if encoding.upper() in {"1252", "ANSI"}:
        encoding = "cp1252"
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(parts["shp"]),
            dbf=io.BytesIO(parts["dbf"]),
            shx=io.BytesIO(parts["shx"]) if "shx" in parts else None,
            encoding=encoding,
            encodingErrors="replace",
        )
        field_names = [f[0] for f in reader.fields[1:]]
        features = []
        for n, sr in enumerate(reader.iterShapeRecords(), start=1):
            props = sr.record.as_dict()
            shp = sr.shape
            if shp.shapeType == shapefile.NULL:
                raw = None
            else:
                raw = shp.__geo_interface__
            features.append(_build(n, raw, props, key_field, code))
    except shapefile.ShapefileException as exc:
        raise GeometryFileError(f"Das Shapefile ist nicht lesbar ({exc}).") from None
    return GeoFile(crs=code, features=features, properties=field_names)


def read_features(data: bytes, filename: str, key_field: str | None) -> GeoFile:
    """Read an uploaded GeoJSON or zipped Shapefile (decided by content and file name)."""
    if not data:
        raise GeometryFileError("Die Datei ist leer.")
    if len(data) > MAX_FILE_BYTES:
        raise GeometryFileError("Die Datei ist größer als 50 MB.")
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith(".zip"):
        return read_shapefile_zip(data, key_field)
    if name.endswith((".geojson", ".json")) or data.lstrip()[:1] in (b"{", b"\xef"):
        return read_geojson(data, key_field)
    raise GeometryFileError(
        "Unbekanntes Dateiformat: erwartet wird GeoJSON (.geojson) oder ein gezipptes Shapefile (.zip)."
    )


def geometry_json(geom) -> str:
    import shapely

    return shapely.to_geojson(geom)


def geometry_bbox(geom) -> tuple[float, float, float, float]:
    return tuple(round(v, DECIMALS) for v in geom.bounds)


# --- import service (matches features to areas, stores all or nothing) -----------------------


def _candidate_areas(body) -> list:
    """Areas of the body and of the bodies below it (a Kreis imports its Kommunen's areas)."""
    from sqlalchemy import select

    from beteiligung.extensions import db
    from beteiligung.services.monitoring import subtree_body_ids
    from models import Area

    return list(db.session.scalars(select(Area).where(Area.body_id.in_(subtree_body_ids(body))).order_by(Area.code)))


def import_geometries(user, body, filename: str, data: bytes, key_field: str, *, commit: bool):
    """``user`` None is the command line. Check an uploaded geometry file against the areas of ``body``; with ``commit`` store
    every geometry (replacing older ones) – only when no feature has an error.

    Returns an ``ImportReport`` (one row per feature). Nothing is stored if any row fails.
    """
    from sqlalchemy import select

    from beteiligung.extensions import db
    from beteiligung.permissions import monitoring as mperm
    from beteiligung.services import ValidationError, audit
    from beteiligung.services.monitoring import check
    from beteiligung.services.stammdaten.importe import ImportReport, RowResult
    from models.monitoring import AreaGeometry

    check(user, mperm.can_manage_monitoring(user, body))
    key_field = (key_field or "").strip()
    if not key_field:
        raise ValidationError({"schluessel": "Bitte die Eigenschaft nennen, die die Gebietskennung enthält."})
    report = ImportReport(kind="Gebietsgeometrien")
    try:
        geo = read_features(data, filename, key_field)
    except GeometryFileError as exc:
        report.file_error = str(exc)
        return report
    report.crs_label = geo.crs_label
    report.properties = geo.properties
    if key_field not in geo.properties:
        known = ", ".join(geo.properties) or "keine"
        report.file_error = f"Die Eigenschaft „{key_field}“ kommt in der Datei nicht vor (vorhanden: {known})."
        return report
    by_code: dict[str, list] = {}
    for area in _candidate_areas(body):
        by_code.setdefault(area.code, []).append(area)
    seen: dict[str, int] = {}
    matched = []
    for f in geo.features:
        row = RowResult(line=f.nummer, label=f.schluessel or "–", errors=list(f.errors))
        if f.schluessel:
            areas = by_code.get(f.schluessel, [])
            if not areas:
                row.errors.append(f"Kein Gebiet mit der Kennung „{f.schluessel}“ in {body.name}.")
            elif len(areas) > 1:
                row.errors.append(f"Die Kennung „{f.schluessel}“ ist mehrdeutig ({len(areas)} Gebiete).")
            else:
                row.label = f"{f.schluessel} – {areas[0].name}"
                if f.schluessel in seen:
                    row.errors.append(f"Die Kennung „{f.schluessel}“ kommt schon in Merkmal {seen[f.schluessel]} vor.")
                seen.setdefault(f.schluessel, f.nummer)
                if not row.errors:
                    matched.append((areas[0], f))
        report.rows.append(row)
    report.preview_svg = _preview(matched) if matched else ""
    if not commit or not report.ok:
        return report
    existing = {
        g.area_id: g
        for g in db.session.scalars(select(AreaGeometry).where(AreaGeometry.area_id.in_([a.id for a, _ in matched])))
    }
    source = f"EPSG:{geo.crs}"
    for area, f in matched:
        minx, miny, maxx, maxy = geometry_bbox(f.geometry)
        values = dict(geojson=geometry_json(f.geometry), source_crs=source, minx=minx, miny=miny, maxx=maxx, maxy=maxy)
        g = existing.get(area.id)
        if g is None:
            g = AreaGeometry(area_id=area.id, **values)
            db.session.add(g)
            action = "create"
        else:
            for k, v in values.items():
                setattr(g, k, v)
            action = "update"
        g.imported_at = _now()
        db.session.flush()
        audit.record(
            user,
            action,
            g,
            None,
            {"area": area.code, "source_crs": source, "bbox": [minx, miny, maxx, maxy]},
            summary=f"Geometrie {area.code} {area.name} ({source})",
        )
    report.written = len(matched)
    db.session.flush()
    return report


def _preview(matched) -> str:
    """Outline map of the matched features (the check report shows what would be stored)."""
    from . import karten as K

    areas = [
        K.MapArea(area.id, area.code, area.name, f.geometry, value_text="Grenze erkannt", klasse=0)
        for area, f in matched
    ]
    spec = K.categorical_spec(
        areas, ["erkannte Gebiete"], title="Vorschau der erkannten Gebietsgrenzen", colours=["#c6dbef"]
    )
    return K.render_map(spec, uid="vorschau", width=600, links=False)


def _now():
    from models import utcnow

    return utcnow()
