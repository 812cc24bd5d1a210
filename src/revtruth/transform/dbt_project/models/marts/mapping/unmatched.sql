-- Every record that no deterministic evidence links to a record of another system. Each
-- still is a company of its own in mapping.company_ids (nothing is dropped); this list is
-- the work left for matching by name and for people.

with

members as (

    select * from {{ ref('company_members') }}

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
        when members.domain is null then 'no stored id of another system and no company domain'
        else 'no stored id of another system; domain ' || members.domain || ' seen nowhere else'
    end as reason
from members
inner join company_sizes
    on members.company_id = company_sizes.company_id
where company_sizes.record_count = 1
