-- The eligibility engine's one statement (PostgreSQL): everything the answers to a batch of
-- questions need, as one JSON document, in one round trip. accessions/eligibility/records.py
-- runs it through a plain cursor; tests/accessions/test_engine_plan.py checks its plan.
--
-- Parameters, by name (one array element per question, so the text never depends on the
-- batch size): n int[] (the question's position in the batch), product bigint[] (the resolved
-- product, NULL when the identifier named none), iso2 text[] (the country as asked), on date[]
-- (the date asked about), number text[] (the producer's registration number, '' when none was
-- given), port text[] (the port code asked about, '' when none), site_kinds jsonb (registry.models.CATEGORY_SITE_KINDS: category -> site kind).
--
-- To run it in psql, replace the parameters by literals, e.g. ARRAY[0], ARRAY[<product id>]::bigint[],
-- ARRAY['KZ'], ARRAY['2024-05-01']::date[], ARRAY[''], ARRAY['khorgos'], '{"grain": "grain"}'::jsonb.
--
-- The predicates are the SQL twins of the rules' Python homes, each named where it is used; the
-- differential test (tests/accessions/test_engine_differential.py) proves the answers equal.
--
-- The document is `json`, not `jsonb`: it is only read by the client, and building jsonb (keys
-- sorted and deduplicated for every row) cost a third of the statement at 1,000 questions. The
-- records every answer shares (countries, ports, regulations, figures) come once, by id.
WITH q AS (
    SELECT *
    FROM unnest(%(n)s::int[], %(product)s::bigint[], %(iso2)s::text[], %(on)s::date[],
                %(number)s::text[], %(port)s::text[]) AS q (n, product_id, iso2, on_date, number, port)
),
qa AS (  -- the question with its country, its access entry, the designated site it needs and
          -- the kind of the entry's state on the date (accessions.validity.state_on)
    SELECT q.*, c.id AS country_id, a.id AS access_id,
           COALESCE(NULLIF(a.required_site_kind, ''), %(site_kinds)s::jsonb ->> p.category, '')
               AS site_kind,
           st.kind AS kind_on
    FROM q
    LEFT JOIN registry_country c ON c.iso2 = q.iso2
    LEFT JOIN registry_product p ON p.id = q.product_id
    LEFT JOIN accessions_marketaccess a
           ON a.product_id = q.product_id AND a.country_id = c.id AND q.product_id IS NOT NULL
    LEFT JOIN LATERAL (
        SELECT s.kind FROM accessions_accessstate s
        WHERE s.market_access_id = a.id AND (s.starts_on IS NULL OR s.starts_on <= q.on_date)
        ORDER BY s.starts_on DESC NULLS LAST,
                 CASE s.kind WHEN 'protocol_signed' THEN 1 WHEN 'in_force' THEN 2
                     WHEN 'suspended' THEN 3 WHEN 'restored' THEN 4 WHEN 'ended' THEN 5
                     WHEN 'revoked' THEN 6 ELSE 0 END DESC,
                 s.id DESC
        LIMIT 1
    ) st ON true
),
qs AS (  -- whether the answer may be `not_recorded`: no entry, or no state granting or refusing
    SELECT qa.*, qa.country_id IS NOT NULL AND (qa.access_id IS NULL OR qa.kind_on IS NULL
                                              OR qa.kind_on = 'protocol_signed') AS unrecorded
    FROM qa
),
answers AS (
    SELECT qs.n, qs.country_id, qs.unrecorded, qs.access_id, qs.port, regs.ids AS regulation_ids,
           lp.ids AS listed_ids, sp.ids AS site_ids, json_build_object(
        'n', qs.n,
        'country', qs.country_id,
        'access', (SELECT row_to_json(a) FROM accessions_marketaccess a WHERE a.id = qs.access_id),
        'has_listed_ports', qs.access_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM accessions_marketaccess_allowed_ports ap
            WHERE ap.marketaccess_id = qs.access_id),
        -- The entry's whole series (accessions.validity.STATE_FIELDS).
        'states', (
            SELECT json_agg(json_build_object(
                'id', s.id, 'kind', s.kind, 'starts_on', s.starts_on,
                'starts_on_precision', s.starts_on_precision, 'limited_to', s.limited_to,
                'instrument_kind', s.instrument_kind, 'instrument_ref', s.instrument_ref,
                'source', s.source, 'source_url', s.source_url, 'confidence', s.confidence,
                'public_note', s.public_note, 'note_written_on', s.note_written_on,
                'public_note_zh', s.public_note_zh, 'public_note_ru', s.public_note_ru,
                'translated_by_registry', s.translated_by_registry,
                'instrument_ref_zh', s.instrument_ref_zh, 'instrument_ref_ru', s.instrument_ref_ru,
                'source_zh', s.source_zh, 'source_ru', s.source_ru))
            FROM accessions_accessstate s WHERE s.market_access_id = qs.access_id
        ),
        -- The dated conditions in force on the date (registry.dates.in_force_q).
        'conditions', (
            SELECT json_agg(json_build_object(
                'kind', k.kind, 'text', k.text, 'text_zh', k.text_zh, 'text_ru', k.text_ru,
                'translated_by_registry', k.translated_by_registry,
                'instrument_ref', k.instrument_ref, 'instrument_ref_zh', k.instrument_ref_zh,
                'instrument_ref_ru', k.instrument_ref_ru,
                'source', k.source, 'source_zh', k.source_zh, 'source_ru', k.source_ru,
                'valid_from', k.valid_from,
                'valid_from_precision', k.valid_from_precision, 'valid_until', k.valid_until))
            FROM accessions_accesscondition k
            WHERE k.market_access_id = qs.access_id
              AND (k.valid_from IS NULL OR k.valid_from <= qs.on_date)
              AND (k.valid_until IS NULL OR k.valid_until >= qs.on_date)
        ),
        'listed_ports', lp.ids,
        'site_ports', sp.ids,
        -- registry.selectors.site_list_incomplete_q
        'sites_incomplete', qs.access_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM registry_reportedsitecount rc
            WHERE rc.kind = qs.site_kind AND rc.ports_reported > (
                SELECT count(*) FROM registry_supervisionsite ss WHERE ss.kind = qs.site_kind)
        ),
        'regulations', regs.ids,
        'establishment', (
            SELECT json_build_object(
                'row', row_to_json(e),
                'covers_product', EXISTS (
                    SELECT 1 FROM accessions_establishmentregistration_products ep
                    WHERE ep.establishmentregistration_id = e.id
                      AND ep.product_id = qs.product_id),
                'effective_end', x.effective_end,
                'country', (SELECT row_to_json(ec) FROM registry_country ec
                            WHERE ec.id = e.country_id))
            FROM accessions_establishmentregistration e
            CROSS JOIN LATERAL (SELECT (
                -- accessions.registration_validity.registration_effective_end
                COALESCE(e.extended_until, CASE WHEN e.extension_exclusion = '' THEN
                    (e.valid_until + make_interval(years => (
                        SELECT g.auto_extend_years FROM accessions_registrationregime g
                        WHERE g.auto_extend AND g.valid_from <= e.valid_until
                          AND (g.valid_until IS NULL OR g.valid_until >= e.valid_until)
                        ORDER BY g.valid_from DESC LIMIT 1)))::date END, e.valid_until)
            ) AS effective_end) x
            WHERE qs.access_id IS NOT NULL AND qs.number <> ''
              AND e.registration_number = qs.number
        ),
        -- The coverage of the country (accessions.validity.access_granted_on), only where the
        -- answer may be `not_recorded`: the country's step on the date (accessions.models.coverage,
        -- kept by PostgreSQL from the entries' states), one index probe.
        'coverage', CASE WHEN qs.unrecorded THEN COALESCE((
            SELECT cs.granted FROM accessions_coveragestep cs
            WHERE cs.country_id = qs.country_id
              AND (cs.starts_on IS NULL OR cs.starts_on <= qs.on_date)
            ORDER BY cs.starts_on DESC NULLS LAST LIMIT 1), 0) END,
        -- The days on which what the answer reads may change (accessions.windows): a start, or
        -- the day after an end, of every dated record the answer reads. The entry's states are
        -- not repeated here: records.py takes their days from the series (windows.change_days).
        'days', (SELECT json_agg(DISTINCT d) FROM (
            SELECT unnest(ARRAY[k.valid_from, k.valid_until + 1])
                FROM accessions_accesscondition k WHERE k.market_access_id = qs.access_id
            UNION ALL SELECT unnest(ARRAY[ss.valid_from, ss.valid_until + 1])
                FROM registry_supervisionsite ss
                WHERE qs.access_id IS NOT NULL AND ss.kind = qs.site_kind
            UNION ALL SELECT unnest(ARRAY[m.valid_from, m.valid_until + 1])
                FROM registry_unionmembership m
                WHERE m.country_id = qs.country_id AND qs.product_id IS NOT NULL
            UNION ALL SELECT unnest(ARRAY[r.in_force_from, r.in_force_until + 1])
                FROM regulations_regulation r
                JOIN regulations_regulationproduct rp ON rp.regulation_id = r.id
                WHERE rp.product_id = qs.product_id AND qs.country_id IS NOT NULL
            UNION ALL SELECT unnest(ARRAY[e.registered_on, e.stopped_on, e.valid_until + 1,
                                          e.extended_until + 1])
                FROM accessions_establishmentregistration e
                WHERE qs.access_id IS NOT NULL AND qs.number <> ''
                  AND e.registration_number = qs.number
        ) AS b (d) WHERE d IS NOT NULL),
        -- For the coverage: the starts of states of the country's entries (its steps) nearest
        -- the date, 32 on either side (accessions.windows.COVERAGE_DAYS), so that an answer's
        -- timeline (api.eligibility) knows the windows of the coverage around it.
        'coverage_days', CASE WHEN qs.unrecorded THEN (
            SELECT json_agg(d.starts_on) FROM (
                (SELECT cs.starts_on FROM accessions_coveragestep cs
                 WHERE cs.country_id = qs.country_id AND cs.starts_on <= qs.on_date
                 ORDER BY cs.starts_on DESC LIMIT 32)
                UNION ALL
                (SELECT cs.starts_on FROM accessions_coveragestep cs
                 WHERE cs.country_id = qs.country_id AND cs.starts_on > qs.on_date
                 ORDER BY cs.starts_on ASC LIMIT 32)) d) END
    ) AS answer
    FROM qs
    -- regulations.selectors.regulation_binds_q and regulation_in_force_q
    LEFT JOIN LATERAL (
        SELECT array_agg(r.id ORDER BY u.code, rcn.iso2, r.code) AS ids
        FROM regulations_regulation r
        LEFT JOIN registry_union u ON u.id = r.union_id
        LEFT JOIN registry_country rcn ON rcn.id = r.country_id
        WHERE qs.country_id IS NOT NULL
          AND r.id IN (SELECT rp.regulation_id FROM regulations_regulationproduct rp
                       WHERE rp.product_id = qs.product_id)
          AND (r.country_id = qs.country_id OR u.kind = 'standards_body' OR r.union_id IN (
              SELECT m.union_id FROM registry_unionmembership m
              WHERE m.country_id = qs.country_id AND m.binding
                AND (m.valid_from IS NULL OR m.valid_from <= qs.on_date)
                AND (m.valid_until IS NULL OR m.valid_until >= qs.on_date)))
          AND (r.in_force_from <= qs.on_date
               OR (r.in_force_from IS NULL AND r.status = 'in_force'))
          AND (r.in_force_until IS NULL OR r.in_force_until >= qs.on_date)
          AND r.status NOT IN ('draft', 'repealed')
    ) regs ON true
    -- The ports the entry lists.
    LEFT JOIN LATERAL (
        SELECT array_agg(ap.port_id) AS ids FROM accessions_marketaccess_allowed_ports ap
        WHERE ap.marketaccess_id = qs.access_id
    ) lp ON true
    -- Ports holding a designated site of the kind in force on the date.
    LEFT JOIN LATERAL (
        SELECT array_agg(DISTINCT ss.port_id) AS ids FROM registry_supervisionsite ss
        WHERE qs.access_id IS NOT NULL AND ss.kind = qs.site_kind
          AND (ss.valid_from IS NULL OR ss.valid_from <= qs.on_date)
          AND (ss.valid_until IS NULL OR ss.valid_until >= qs.on_date)
    ) sp ON true
)
SELECT json_build_object(
    'answers', (SELECT json_agg(answer ORDER BY n) FROM answers),
    -- Every country an answer names, once (the answers name them by id).
    'countries', (
        SELECT json_agg(row_to_json(c)) FROM registry_country c
        WHERE c.id IN (SELECT country_id FROM qa)
    ),
    -- The ports the port rules read (accessions.eligibility.ports), once, with their facing
    -- country: those an answer's entry lists or holding a designated site of its kind on its
    -- date, and the ports asked about, for answers with an entry. No other port changes an
    -- answer, and every port was three quarters of a single question's document.
    'ports', (
        SELECT json_agg(json_build_object('row', row_to_json(pt),
                                          'facing_country', row_to_json(fc))
                        ORDER BY pt.name_en)
        FROM registry_port pt LEFT JOIN registry_country fc ON fc.id = pt.facing_country_id
        WHERE pt.id IN (SELECT unnest(listed_ids || site_ids) FROM answers)
           OR pt.code IN (SELECT port FROM answers WHERE access_id IS NOT NULL AND port <> '')
    ),
    -- Every regulation an answer names, once, with its country and union.
    'regulations', (
        SELECT json_agg(json_build_object('row', row_to_json(r), 'country', row_to_json(rcn),
                                          'union', row_to_json(u)))
        FROM regulations_regulation r
        LEFT JOIN registry_union u ON u.id = r.union_id
        LEFT JOIN registry_country rcn ON rcn.id = r.country_id
        WHERE r.id IN (SELECT unnest(regulation_ids) FROM answers)
    ),
    -- The official figures of products with access (accessions.selectors.reported_access_figures)
    -- for the countries of answers that may be `not_recorded`.
    'figures', (
        SELECT json_agg(row_to_json(f) ORDER BY f.as_of DESC NULLS LAST, f.key)
        FROM registry_reportedfigure f
        WHERE f.metric = 'products_with_access'
          AND EXISTS (SELECT 1 FROM answers WHERE unrecorded)
          AND (f.country_id IS NULL OR f.country_id IN (
              SELECT country_id FROM answers WHERE unrecorded))
    )
)
