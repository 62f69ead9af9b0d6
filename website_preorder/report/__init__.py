from . import preorder_demand_report
