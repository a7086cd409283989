"""简体中文模板 (Simplified Chinese templates). Titles stay as in the catalog, inside 《》."""

from __future__ import annotations

from whyrec.explain.text.templates import Templates

__all__ = ["TEMPLATES"]

TEMPLATES = Templates(
    title="《{title}》",
    and_="和",
    list_sep="、",
    clause_and="，",
    clause_sep="，",
    sentence_sep="",
    because={"films": "因为你看过{items}。", "products": "因为你关注过{items}。"},
    sequence={"films": "在你的观看记录中，{items}对这次推荐影响最大。",
              "products": "在你的浏览记录中，{items}对这次推荐影响最大。"},
    sequence_one={"films": "在你的观看记录中，{items}对这次推荐影响最大。",
                  "products": "在你的浏览记录中，{items}对这次推荐影响最大。"},
    attribute_counted="它符合你的口味：{parts}。",
    attribute_part_first="你的 {total} {noun}中有 {count} {measure}是{value}",
    attribute_part_more="{count} {measure}是{value}",
    attribute_part_first_one="你的 {total} {noun}中有 {count} {measure}是{value}",
    attribute_part_more_one="{count} {measure}是{value}",
    attribute_plain="它符合你的口味：{values}。",
    attribute_named_value="{attribute}为“{value}”的{noun_short}",
    untranslated_value="“{value}”",
    noun={"films": "部影片", "products": "件商品"},
    measure={"films": "部", "products": "件"},
    noun_short={"films": "影片", "products": "商品"},
    kg="它{links}。",
    kg_link="与你看过的{item}有相同的{relations}",
    kg_link_sep="，也",
    kg_relations_sep="和",
    user_attribute="与你情况相近的用户（{labels}）选择了它。",
    feature="影响最大的因素：{labels}。",
    text_similarity="它的介绍与{items}相近。",
    popularity={"films": "它很受其他观众欢迎。", "products": "它很受其他顾客欢迎。"},
    no_history="你的记录还太少，暂时说不出具体原因。",
    no_support="你的记录中没有哪一项特别突出地促成了这次推荐。",
    counterfactual="如果你的记录中没有{items}，就不会推荐它。",
    counterfactual_them="如果没有它们，就不会推荐它。",
    counterfactual_that="如果没有这一项，就不会推荐它。",
    relations={"actor": "演员", "genre": "类型", "director": "导演", "writer": "编剧", "producer": "制片人",
               "cinematographer": "摄影师", "production company": "制片公司", "subject": "题材",
               "award nomination": "奖项提名", "award": "奖项"},
    values={"Action": "动作片", "Adventure": "冒险片", "Animation": "动画片", "Children's": "儿童片",
            "Comedy": "喜剧片", "Crime": "犯罪片", "Documentary": "纪录片", "Drama": "剧情片", "Fantasy": "奇幻片",
            "Film-Noir": "黑色电影", "Horror": "恐怖片", "Musical": "歌舞片", "Mystery": "悬疑片",
            "Romance": "爱情片", "Sci-Fi": "科幻片", "Thriller": "惊悚片", "War": "战争片", "Western": "西部片"},
    attributes={"category": "类别", "brand": "品牌", "price_band": "价位"},
)
