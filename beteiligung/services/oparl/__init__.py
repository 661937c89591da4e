"""OParl-Schnittstelle und Vorlagen für die Politik.

- api: the public OParl 1.1 read API (serializers, lists with pagination and filters)
- papers: Vorlagen (Paper) from Beschlüsse/Empfehlungen „zur Beschlussfassung“, PDF/DOCX
- council: import of political outcomes from the council system's OParl endpoint
- tombstones: deleted/no longer public objects stay visible as {"deleted": true}
"""
