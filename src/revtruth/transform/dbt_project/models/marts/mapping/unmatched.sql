-- Every record that no tier links to any other record (docs/metrics.md#identity). Each is
-- still a company of its own in mapping.company_ids (nothing is dropped); this list, with
-- mapping.review_queue, is the work left for people.

with

members as (

    select * from {{ ref('identity_links') }}

),

queued as (

    select left_key as node_key from {{ ref('review_queue') }}
    union
    select right_key from {{ ref('review_queue') }}

),

company_sizes as (

    select company_id, count(*) as record_count
    from members
    group by company_id

)

select
    members.source,
    members.source_id,
    members.display_name,
    members.domain,
    members.company_id,
    case
        when queued.node_key is not null
            then 'a likely match waits in mapping.review_queue'
        when members.domain is null
            then 'no stored id, no company domain, and no likely match by name or people'
        else 'no stored id, domain ' || members.domain
            || ' on no record with an agreeing name, and no likely match by name or people'
    end as reason
from members
inner join company_sizes
    on members.company_id = company_sizes.company_id
left join queued
    on queued.node_key = members.source || ':' || members.source_id
where company_sizes.record_count = 1
