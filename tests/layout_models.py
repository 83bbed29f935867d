"""A model that strains the report's layout, for tests/test_report_layout.py: material names of
about 60 Chinese characters, element names of about 80 English characters, long storey names and
some 150 elements of several classes, some materials matched to factors and some not.

``python tests/layout_models.py OUT.ifc`` writes it for a look at its report by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import modelkit

# (material, density kg/m³, IFC class, box size m). The first ones name a known material (C30
# concrete, steel, rock wool …) inside a long description, so that they match; the last ones do not.
MATERIALS = (
    (
        "C30混凝土（地下室底板及外墙用抗渗等级P8商品混凝土，掺粉煤灰与矿渣粉复合掺合料，泵送施工，养护不少于十四天）",
        2400,
        "IfcSlab",
        (6.0, 4.0, 0.25),
    ),
    (
        "C30混凝土（框架柱及剪力墙用商品混凝土，含聚羧酸高性能减水剂，坍落度一百八十毫米，现场振捣密实并覆膜养护）",
        2400,
        "IfcColumn",
        (0.5, 0.5, 3.6),
    ),
    (
        "Q355钢（焊接H型钢框架梁，表面喷砂除锈等级Sa2.5级后涂环氧富锌底漆及防火涂料，工厂加工现场高强螺栓连接）",
        7850,
        "IfcBeam",
        (6.0, 0.2, 0.4),
    ),
    (
        "Q355钢（钢结构楼梯及平台用热轧钢板，厚度十二毫米，表面热浸镀锌处理，镀锌层平均厚度不小于八十五微米）",
        7850,
        "IfcPlate",
        (2.0, 1.0, 0.012),
    ),
    (
        "岩棉板（外墙外保温系统用憎水型岩棉板，密度一百四十千克每立方米，燃烧性能等级A级，厚度一百毫米，锚栓固定）",
        140,
        "IfcWall",
        (6.0, 0.1, 3.0),
    ),
    (
        "加气混凝土砌块（B06级蒸压加气混凝土砌块填充墙，专用砂浆薄层砌筑，墙体厚度二百毫米，内外墙面抹灰找平处理）",
        600,
        "IfcWall",
        (6.0, 0.2, 3.0),
    ),
    (
        "某品牌高性能复合装饰一体化外墙挂板系统（含龙骨、连接件、密封胶及配套防水透气膜，具体构造详见厂家深化设计图纸）",
        1800,
        "IfcCovering",
        (6.0, 0.03, 3.0),
    ),
    (
        "室内精装修用定制实木复合多层饰面板（含阻燃基层板、环保胶粘剂及表面水性木器漆涂装，具体规格型号以样板确认为准）",
        650,
        "IfcCovering",
        (4.0, 0.02, 2.8),
    ),
)
ELEMENTS_PER_MATERIAL = 19  # 8 × 19 = 152 elements
STOREYS = (
    "Level 1 – Ground floor lobby, retail units and loading bay (structural level +0.000)",
    "Level 2 – Open-plan office floor with meeting rooms and plant room (structural level +4.200)",
)


def element_name(ifc_class: str, index: int) -> str:
    """An English element name of about 80 characters, different for every element."""
    return (
        f"{ifc_class[3:]} {index:03d} - Typical bay along gridline C/7 between axes 3 and 4, "
        f"revision P{index % 5}, see drawing S-{200 + index}"
    )


def build(path: Path) -> Path:
    """Write the long-names model to `path`, the same bytes every time."""
    model = modelkit.new_model("IFC4", "METRE", project="长名称测试项目 Long names layout test project")
    first = model.by_type("IfcBuildingStorey")[0]
    first.Name = STOREYS[0]
    upper = modelkit.add_storey(model, STOREYS[1], 4.2)
    index = 0
    for material, density, ifc_class, size in MATERIALS:
        modelkit.material(model, material, density=density)
        for n in range(ELEMENTS_PER_MATERIAL):
            index += 1
            modelkit.add_box(
                model,
                ifc_class,
                material,
                size=size,
                position=(7.0 * (n % 4), 5.0 * (n // 4), 0.0),
                storey=upper if n % 2 else first,
                name=element_name(ifc_class, index),
            )
    return modelkit.save(model, path, seed="layout-long-names")


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
